/**
 * Runs one job inside the worker: a fresh QuickJS runtime and context, limits, the prelude, the
 * snippet, its promise driven to completion, and the result measured and copied out as JSON.
 * Only the worker imports this file (it needs quickjs-emscripten).
 *
 * @module
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten'
import { Failure, failureFrom, timeoutFailure, unwrap } from './guest-error.js'
import { MAX_RESULT_DEPTH, parseInput, serializeResult } from './guest-json.js'
import { GUEST_PRELUDE, wrapSnippet } from './guest-prelude.js'
import type { JobOutcome, RunJobMessage, SandboxConsoleEntry } from './sandbox-protocol.js'

/** Calls a granted host function; resolves with its JSON reply. */
export type HostCaller = (
  name: string,
  argsText: string,
) => Promise<{ ok: true; value: string | undefined } | { ok: false; message: string }>

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
        if (text !== '') consoleEntries.push({ level, text })
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

function rejectWith(vm: QuickJSContext, deferred: ReturnType<QuickJSContext['newPromise']>, message: string) {
  vm.newError({ name: 'Error', message }).consume((error) => deferred.reject(error))
}
