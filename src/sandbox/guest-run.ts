/**
 * Runs one job inside the worker: a fresh QuickJS runtime and context, limits, the prelude, the
 * snippet, its promise driven to completion, and the result measured and copied out as JSON.
 * Only the worker imports this file (it needs quickjs-emscripten).
 *
 * @module
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten'
import { GUEST_PRELUDE, WRAPPER_LINE_OFFSET, wrapSnippet } from './guest-prelude.js'
import { parseGuardedJson } from './json-guard.js'
import type {
  JobOutcome,
  RunJobMessage,
  SandboxConsoleEntry,
  SandboxFailureKind,
} from './sandbox-protocol.js'

/** The deepest nesting a result may have. */
export const MAX_RESULT_DEPTH = 256

/** Calls a granted host function; resolves with its JSON reply. */
export type HostCaller = (
  name: string,
  argsText: string,
) => Promise<{ ok: true; value: string | undefined } | { ok: false; message: string }>

class Failure extends Error {
  constructor(
    readonly kind: SandboxFailureKind,
    message: string,
  ) {
    super(message)
  }
}

/** Runs the job; never throws. `retire` says the QuickJS module may be unusable afterwards. */
export async function runGuest(
  quickjs: QuickJSWASMModule,
  job: RunJobMessage,
  callHost: HostCaller,
): Promise<{ outcome: JobOutcome; retire: boolean }> {
  const started = performance.now()
  const { limits } = job
  let deadline = Date.now() + limits.timeoutMs
  const consoleEntries: SandboxConsoleEntry[] = []
  let consoleTruncated = false
  const handles: QuickJSHandle[] = []
  const deferreds = new Set<ReturnType<QuickJSContext['newPromise']>>()
  let runtime: QuickJSRuntime | undefined
  let context: QuickJSContext | undefined
  let wake: (() => void) | undefined
  let pendingCalls = 0
  let hostCalls = 0
  let finished = false
  const keep = (handle: QuickJSHandle) => {
    handles.push(handle)
    return handle
  }

  let outcome: JobOutcome
  let internalError = false
  try {
    runtime = quickjs.newRuntime()
    runtime.setMemoryLimit(limits.memoryLimitBytes)
    runtime.setMaxStackSize(limits.stackSizeBytes)
    runtime.setInterruptHandler(() => Date.now() > deadline)
    const vm = runtime.newContext()
    context = vm

    const hostLog = keep(
      vm.newFunction('log', (levelHandle, textHandle, truncatedHandle) => {
        const level = vm.getString(levelHandle) as SandboxConsoleEntry['level']
        if (vm.dump(truncatedHandle) === true) consoleTruncated = true
        const text = vm.getString(textHandle)
        if (text !== '' || level === undefined) consoleEntries.push({ level, text })
      }),
    )
    const hostCall = keep(
      vm.newFunction('call', (nameHandle, argsHandle) => {
        const deferred = vm.newPromise()
        deferreds.add(deferred)
        const name = vm.getString(nameHandle)
        const argsText = vm.getString(argsHandle)
        if (++hostCalls > limits.maxHostCalls) {
          rejectWith(vm, deferred, `${name}() was called more than ${limits.maxHostCalls} times`)
        } else {
          pendingCalls++
          callHost(name, argsText).then((reply) => {
            pendingCalls--
            if (finished || !deferreds.has(deferred)) return
            if (reply.ok) {
              if (reply.value === undefined) deferred.resolve()
              else vm.newString(reply.value).consume((value) => deferred.resolve(value))
            } else {
              rejectWith(vm, deferred, reply.message)
            }
            wake?.()
          })
        }
        return deferred.handle.dup()
      }),
    )
    const names = keep(vm.newArray())
    job.functionNames.forEach((name, index) => {
      vm.newString(name).consume((value) => vm.setProp(names, index, value))
    })
    const limitsHandle = keep(vm.newObject())
    vm.newNumber(limits.maxConsoleBytes).consume((value) => vm.setProp(limitsHandle, 'console', value))
    vm.newNumber(limits.maxHostCallBytes).consume((value) => vm.setProp(limitsHandle, 'callBytes', value))
    vm.newNumber(MAX_RESULT_DEPTH).consume((value) => vm.setProp(limitsHandle, 'depth', value))

    const prelude = keep(unwrap(vm, vm.evalCode(GUEST_PRELUDE, 'prelude.js'), 'runtime', deadline))
    const serialize = keep(
      unwrap(
        vm,
        vm.callFunction(prelude, vm.undefined, hostLog, hostCall, names, limitsHandle),
        'runtime',
        deadline,
      ),
    )
    const input = keep(parseInput(vm, job.inputText, deadline))
    const snippet = keep(unwrap(vm, vm.evalCode(wrapSnippet(job.code), 'snippet.js'), 'syntax', deadline))
    const promise = keep(unwrap(vm, vm.callFunction(snippet, vm.undefined, input), 'runtime', deadline))

    // Drive the snippet's promise: run queued jobs; when none are left, wait for host replies.
    for (;;) {
      if (Date.now() > deadline) throw timeoutFailure(limits.timeoutMs)
      const jobs = runtime.executePendingJobs(256)
      if (jobs.error) {
        const error = jobs.error
        handles.push(error)
        throw failureFrom(vm, error, 'runtime', deadline)
      }
      const state = vm.getPromiseState(promise)
      if (state.type === 'fulfilled') {
        const value = keep(state.value)
        outcome = success(serializeResult(vm, serialize, value, limits.maxOutputBytes, deadline))
        break
      }
      if (state.type === 'rejected') {
        handles.push(state.error)
        throw failureFrom(vm, state.error, 'runtime', deadline)
      }
      if (jobs.value > 0 || runtime.hasPendingJob()) continue
      if (pendingCalls === 0) {
        throw new Failure(
          'runtime',
          'the code awaited a promise that can never settle (nothing is left to run and no host call is pending)',
        )
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now() + 1))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
  } catch (error) {
    // Anything but a Failure is a host-side error (a WebAssembly trap, a native stack overflow):
    // the QuickJS module may be inconsistent, so the worker is retired.
    internalError = !(error instanceof Failure)
    outcome = failure(
      error instanceof Failure
        ? error
        : new Failure('runtime', 'the code made the sandbox fail (a native limit was exceeded)'),
    )
  }
  finished = true

  let retire = internalError
  try {
    // Jobs still queued (a snippet stopped mid-chain) would keep objects alive at disposal. Past
    // the deadline the interrupt handler stops them, so draining usually takes a few milliseconds.
    deadline = 0
    const drainUntil = performance.now() + 50
    while (runtime?.hasPendingJob() && performance.now() < drainUntil) {
      const jobs = runtime.executePendingJobs(64)
      if (jobs.error) jobs.error.dispose()
    }
    if (runtime?.hasPendingJob()) {
      // Disposing a runtime with live jobs aborts QuickJS; the worker is discarded instead.
      retire = true
    } else {
      for (const deferred of deferreds) deferred.dispose()
      for (const handle of handles) if (handle.alive) handle.dispose()
      context?.dispose()
      runtime?.dispose()
    }
  } catch {
    // A leaked handle or an aborted WebAssembly module: this worker must not be reused.
    retire = true
  }
  return { outcome, retire }

  function success(value: unknown): JobOutcome {
    return {
      ok: true,
      value,
      console: consoleEntries,
      consoleTruncated,
      durationMs: performance.now() - started,
    }
  }
  function failure(error: Failure): JobOutcome {
    return {
      ok: false,
      kind: error.kind,
      message: error.message,
      console: consoleEntries,
      consoleTruncated,
      durationMs: performance.now() - started,
    }
  }
}

function parseInput(vm: QuickJSContext, inputText: string, deadline: number): QuickJSHandle {
  const json = vm.getProp(vm.global, 'JSON')
  try {
    const parse = vm.getProp(json, 'parse')
    try {
      const text = vm.newString(inputText)
      try {
        return unwrap(vm, vm.callFunction(parse, json, text), 'memory', deadline)
      } finally {
        text.dispose()
      }
    } finally {
      parse.dispose()
    }
  } finally {
    json.dispose()
  }
}

/** Serialises the value with the captured `JSON.stringify`, measures it in the guest, then copies it out. */
function serializeResult(
  vm: QuickJSContext,
  serialize: QuickJSHandle,
  value: QuickJSHandle,
  maxOutputBytes: number,
  deadline: number,
): unknown {
  const text = unwrap(vm, vm.callFunction(serialize, vm.undefined, value), 'runtime', deadline)
  try {
    const type = vm.typeof(text)
    if (type === 'undefined') return undefined
    if (type === 'object') {
      throw new Failure('output', `the result is nested deeper than ${MAX_RESULT_DEPTH} levels`)
    }
    if (type !== 'string') throw new Failure('output', 'the result could not be serialised as JSON')
    const lengthHandle = vm.getProp(text, 'length')
    const length = vm.getNumber(lengthHandle)
    lengthHandle.dispose()
    if (length > maxOutputBytes) {
      throw new Failure(
        'output',
        `the result is ${length} characters as JSON, more than the ${maxOutputBytes} bytes allowed; return a smaller value`,
      )
    }
    const json = vm.getString(text)
    const bytes = Buffer.byteLength(json)
    if (bytes > maxOutputBytes) {
      throw new Failure(
        'output',
        `the result is ${bytes} bytes as JSON, more than the ${maxOutputBytes} allowed; return a smaller value`,
      )
    }
    const parsed = parseGuardedJson(json, MAX_RESULT_DEPTH)
    if (!parsed.ok) throw new Failure('output', parsed.message)
    return parsed.value
  } finally {
    text.dispose()
  }
}

/** The value of a call result, or a `Failure` of the given kind built from the guest's error. */
function unwrap(
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

function timeoutFailure(timeoutMs: number): Failure {
  return new Failure('timeout', `the code did not finish within its deadline of ${timeoutMs} ms`)
}

/** Classifies a guest error: the deadline, memory and stack limits first, then the given kind. */
function failureFrom(
  vm: QuickJSContext,
  error: QuickJSHandle,
  kind: SandboxFailureKind,
  deadline: number,
): Failure {
  // Past the deadline the interrupt handler stops any guest code, so do not try to read the error.
  if (Date.now() > deadline) return new Failure('timeout', 'the code was stopped at its deadline')
  const described = describeGuestError(vm, error)
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

function rejectWith(vm: QuickJSContext, deferred: ReturnType<QuickJSContext['newPromise']>, message: string) {
  vm.newError({ name: 'Error', message }).consume((error) => deferred.reject(error))
}
