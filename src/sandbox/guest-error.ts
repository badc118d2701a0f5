/**
 * Turning guest errors into sandbox failures, inside the worker: the deadline and the memory and
 * stack limits first, then the guest's own error, read defensively (never trusting the thrown
 * value) and reduced to its name, a capped message and the line of the snippet.
 *
 * @module
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten'
import { WRAPPER_LINE_OFFSET } from './guest-prelude.js'
import type { SandboxFailureKind } from './sandbox-protocol.js'

/** A failure of the guest code, with the kind reported as `SandboxError.kind`. */
export class Failure extends Error {
  constructor(
    readonly kind: SandboxFailureKind,
    message: string,
  ) {
    super(message)
  }
}

/** The value of a call result, or a `Failure` of the given kind built from the guest's error. */
export function unwrap(
  vm: QuickJSContext,
  result: ReturnType<QuickJSContext['evalCode']>,
  kind: SandboxFailureKind,
  deadline: number,
): QuickJSHandle {
  if (result.error === undefined) return result.value
  const error = result.error
  try {
    throw failureFrom(vm, error, kind, deadline)
  } finally {
    if (error.alive) error.dispose()
  }
}

export function timeoutFailure(timeoutMs: number): Failure {
  return new Failure('timeout', `the code did not finish within its deadline of ${timeoutMs} ms`)
}

/** Classifies a guest error: the deadline, memory and stack limits first, then the given kind. */
export function failureFrom(
  vm: QuickJSContext,
  error: QuickJSHandle,
  kind: SandboxFailureKind,
  deadline: number,
): Failure {
  // Past the deadline the interrupt handler stops any guest code, so do not try to read the error.
  if (Date.now() > deadline) return new Failure('timeout', 'the code was stopped at its deadline')
  const described = describeGuestError(vm, error)
  // Reading the error runs guest getters (name, message, stack); one that loops is stopped by the
  // interrupt handler at the deadline, which makes it a timeout, not an unreadable runtime error.
  if (Date.now() > deadline) return new Failure('timeout', 'the code was stopped at its deadline')
  if (described.name === 'InternalError') {
    if (described.message === 'interrupted')
      return new Failure('timeout', 'the code was stopped at its deadline')
    if (described.message === 'out of memory') {
      return new Failure('memory', 'the code ran out of memory (memoryLimitBytes)')
    }
    if (described.message === 'string too long') {
      return new Failure('memory', 'the code built a string longer than QuickJS allows')
    }
    if (described.message === 'stack overflow') {
      return new Failure('memory', 'the code exceeded the stack limit (recursion too deep)')
    }
  }
  if (described.message.startsWith('could not load module')) {
    return new Failure('runtime', 'import() is not available in the sandbox: no modules can be loaded')
  }
  const where = described.line === undefined ? '' : ` (line ${described.line})`
  const effectiveKind = kind === 'syntax' && described.name !== 'SyntaxError' ? 'runtime' : kind
  return new Failure(effectiveKind, `${described.name}: ${described.message}${where}`)
}

const MAX_MESSAGE = 500
const SNIPPET_FRAME = /snippet\.js:(\d+)/

/** Reads name, message and snippet line of a thrown guest value, never trusting it. */
function describeGuestError(
  vm: QuickJSContext,
  error: QuickJSHandle,
): { name: string; message: string; line?: number } {
  try {
    if (vm.typeof(error) !== 'object') {
      const text = JSON.stringify(vm.dump(error)) ?? 'undefined'
      return { name: 'Error', message: `the code threw ${truncate(text)}` }
    }
    const name = readString(vm, error, 'name') ?? 'Error'
    const message = readString(vm, error, 'message') ?? ''
    const stack = readString(vm, error, 'stack')
    const frame = stack === undefined ? undefined : SNIPPET_FRAME.exec(stack)?.[1]
    const described: { name: string; message: string; line?: number } = {
      name: truncate(name, 60),
      message: truncate(message),
    }
    if (frame !== undefined) described.line = Math.max(1, Number(frame) - WRAPPER_LINE_OFFSET)
    return described
  } catch {
    return { name: 'Error', message: 'the code threw a value that could not be read' }
  }
}

function readString(vm: QuickJSContext, handle: QuickJSHandle, key: string): string | undefined {
  const property = vm.getProp(handle, key)
  try {
    return vm.typeof(property) === 'string' ? vm.getString(property) : undefined
  } finally {
    property.dispose()
  }
}

function truncate(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? `${text.slice(0, max)}...` : text
}
