/**
 * Executes a custom runnable or a step job as a run: builds its `ctx` (emit, checkpoint, the step
 * executor), claims the stored run, and ends it with one `run.end` saved before it is told. A
 * failure the runner will retry ends nothing: the run stays at its last checkpoint and the next
 * attempt continues from there.
 *
 * @module
 */
import { readableError } from '../errors/describe-error.js'
import {
  AgentLoopError,
  ConfigError,
  describeError,
  RunCancelledError,
  RunTimeoutError,
} from '../errors/errors.js'
import type { RunEventData } from '../events/run-event.js'
import { startExecution } from '../events/execution.js'
import type { RunEvent } from '../events/run-event.js'
import { copyJson, requireJson } from '../storage/repositories/shared.js'
import { type ResolvedStep, resolveStep } from '../steps/step-definition.js'
import type { StepEventData } from '../steps/step-event.js'
import { deepFreeze, runStep } from '../steps/run-step.js'
import { planOf } from '../steps/steps.js'
import { raceAbort } from '../util/abort.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import type { EventSink } from './checkpointer.js'
import type {
  RegisteredRunnable,
  RunnableContext,
  RunnablePause,
  RunnablePauseStatus,
  RunnableStepOptions,
} from './runnable.js'
import { attachOwnedCheckpoints } from './owned-checkpoints.js'
import { loadRunnableParts, type RunnableSnapshot, RunnableJournal } from './runnable-journal.js'
import type { Storage } from '../storage/storage.js'

/** One attempt of a runnable's run. */
export interface RunnableAttempt {
  entry: Extract<RegisteredRunnable, { kind: 'custom' | 'steps' }>
  storage: Storage
  runId: string
  /** The stored revision and snapshot the attempt starts from. */
  revision: number
  snapshot: RunnableSnapshot
  /** The checkpoint's parts (`ctx.parts`), when the caller read them; otherwise read here when it has any. */
  parts?: readonly JsonObject[] | undefined
  /** The last stored event `seq`. */
  seq: number
  metadata: JsonObject | undefined
  context: unknown
  /** The runner's signal (cancel, shutdown). */
  signal: AbortSignal
  timeoutMs: number | undefined
  attempt: number
  /** Whether the runner retries after `error`: then the run is not ended. */
  willRetry(error: unknown): boolean
  sink: EventSink | undefined
}

/** What an attempt that ended (or paused) the run produced. */
export interface RunnableOutcome {
  status: 'completed' | RunnablePauseStatus
  output: JsonValue | undefined
}

/** The pauses `ctx.pause` made: an output that merely looks like one is an output. */
const pauses = new WeakSet<RunnablePause>()

/** Event types only the runtime writes. */
const RUNTIME_EVENTS = new Set(['run.start', 'run.end'])

/** A checked copy of an event a runnable emits (checked and copied in one walk). */
function copyEvent(data: RunEventData, where: string): RunEventData {
  const type = (data as { type?: unknown } | null)?.type
  if (typeof type !== 'string' || type === '' || RUNTIME_EVENTS.has(type)) {
    throw new ConfigError({
      message: `${where}: an event needs a RunEvent type other than run.start and run.end (the runtime writes those); got ${JSON.stringify(type)}.`,
    })
  }
  return copyJson(data as unknown as JsonValue, `${where}: the "${type}" event`) as unknown as RunEventData
}

/** Runs one attempt; resolves when the run completed, rejects with the failure otherwise. */
export async function executeRunnable(attempt: RunnableAttempt): Promise<RunnableOutcome> {
  const { entry, runId, timeoutMs } = attempt
  const snapshot = structuredClone(attempt.snapshot)
  const journal = new RunnableJournal({
    storage: attempt.storage,
    runId,
    name: entry.name,
    kind: entry.kind === 'steps' ? 'steps' : 'agent',
    revision: attempt.revision,
    seq: attempt.seq,
    metadata: attempt.metadata,
    sink: attempt.sink,
    held: snapshot.heldEvents,
  })
  const execution = startExecution<RunEventData, RunEvent>({
    owner: () => {},
    endType: 'run.end',
    signal: attempt.signal,
    onSignal: (reason) =>
      reason instanceof AgentLoopError ? reason : new RunCancelledError({ cause: reason }),
    timeoutMs,
    onTimeout: (ms) => new RunTimeoutError({ timeoutMs: ms }),
  })
  const { signal } = execution
  const parts = attempt.parts ?? (await loadRunnableParts(attempt.storage, runId, snapshot, attempt.revision))
  const resumed =
    attempt.attempt > 1 || snapshot.state !== undefined || Object.keys(snapshot.steps).length > 0
  // Stored with the claim below, in one write.
  journal.stage({
    type: 'run.start',
    agent: entry.name,
    model: entry.kind === 'steps' ? 'steps' : 'runnable',
    kind: entry.kind === 'steps' ? 'steps' : 'runnable',
    input: resumed ? [] : snapshot.input,
    ...(resumed ? { resumed: true } : {}),
  })
  const stepRunner = createStepRunner({ runId, name: entry.name, journal, snapshot, signal })
  /** Puts a checkpoint into the snapshot, its events into the journal; the next save stores them. */
  const apply = (state: JsonValue, events: readonly RunEventData[]) => {
    snapshot.state = state
    // The answer of a resume is now part of the state the runnable saved.
    if (snapshot.resumeInput !== undefined) delete snapshot.resumeInput
    for (const event of events) journal.stage(event)
  }
  const save = (state: JsonValue, events: readonly RunEventData[], part: JsonObject | undefined) => {
    apply(state, events)
    if (part === undefined) return journal.save('running', snapshot)
    snapshot.parts = (snapshot.parts ?? 0) + 1
    return journal.save('running', snapshot, { part })
  }
  /** The last checkpoint, kept for the run's end (`OwnedCheckpoints.checkpointAtEnd`). */
  let atEnd: { state: JsonValue; events: readonly RunEventData[]; part: JsonObject | undefined } | undefined
  /** Puts `atEnd` into the snapshot and the journal; returns its part, which the next save must carry. */
  const takeAtEnd = (): JsonObject | undefined => {
    const last = atEnd as NonNullable<typeof atEnd>
    atEnd = undefined
    apply(last.state, last.events)
    if (last.part !== undefined) snapshot.parts = (snapshot.parts ?? 0) + 1
    return last.part
  }
  /** Saves `atEnd` on its own: the run writes something else before its end. */
  const saveAtEnd = (): Promise<void> => {
    const last = atEnd as NonNullable<typeof atEnd>
    atEnd = undefined
    return save(last.state, last.events, last.part)
  }
  const ctx: RunnableContext = {
    runId,
    input: snapshot.input,
    metadata: attempt.metadata ?? {},
    signal,
    context: attempt.context,
    attempt: attempt.attempt,
    state: snapshot.state,
    parts,
    resumeInput: snapshot.resumeInput,
    async emit(name, data) {
      if (atEnd !== undefined) await saveAtEnd()
      if (typeof name !== 'string' || name === '') {
        throw new ConfigError({
          message: `ctx.emit(name, data): name must be a non-empty string; got ${JSON.stringify(name)}.`,
        })
      }
      if (data !== undefined) requireJson(data, `ctx.emit("${name}", data): data`)
      await journal.emit({
        type: 'custom',
        name,
        ...(data === undefined ? {} : { data: structuredClone(data) }),
      })
    },
    async emitEvent(data) {
      if (atEnd !== undefined) await saveAtEnd()
      await journal.emit(copyEvent(data, 'ctx.emitEvent(event)'))
    },
    async checkpoint(state, events = [], options = {}) {
      if (atEnd !== undefined) await saveAtEnd()
      // Checked and copied in one walk: the journal stores this private copy as it is.
      const copy = copyJson(state, 'ctx.checkpoint(state): state')
      const part = options.part === undefined ? undefined : copyPart(options.part)
      const copies = events.map((event) => copyEvent(event, 'ctx.checkpoint(state, events)'))
      await save(copy, copies, part)
    },
    pause(request = null, options = {}) {
      const status = options.status ?? 'awaiting_input'
      if (status !== 'awaiting_input' && status !== 'needs_review') {
        throw new ConfigError({
          message: `ctx.pause(request, { status }): status must be 'awaiting_input' or 'needs_review'; got ${JSON.stringify(status)}.`,
        })
      }
      requireJson(request, 'ctx.pause(request): request')
      const pause: RunnablePause = Object.freeze({ kind: 'pause', status, request: structuredClone(request) })
      pauses.add(pause)
      return pause
    },
    async step(name, fn, options) {
      if (atEnd !== undefined) await saveAtEnd()
      return stepRunner.step(name, fn, options)
    },
  }
  attachOwnedCheckpoints(ctx as RunnableContext<unknown>, {
    checkpoint(state, events, part) {
      if (atEnd === undefined) return save(state, events, part)
      return saveAtEnd().then(() => save(state, events, part))
    },
    checkpointAtEnd(state, events, part) {
      // Two in a row: the first is a checkpoint like any other.
      if (atEnd !== undefined) void saveAtEnd().catch(() => {})
      atEnd = { state, events, part }
    },
  })
  try {
    // Claims the run: a second worker of the same run now fails its next write (compare-and-set).
    await journal.save('running', snapshot)
    const work =
      entry.kind === 'custom'
        ? Promise.resolve().then(() => entry.runnable.run(ctx))
        : runStepJob(entry, snapshot, stepRunner)
    const returned = await raceAbort(work, signal)
    if (pauses.has(returned as RunnablePause)) {
      const pause = returned as RunnablePause
      const part = atEnd === undefined ? undefined : takeAtEnd()
      snapshot.request = pause.request
      delete snapshot.resumeInput
      journal.stage({ type: 'input.request', request: pause.request })
      const end: RunEventData & { type: 'run.end' } = {
        type: 'run.end',
        status: pause.status,
        usage: emptyUsage(),
        turns: 0,
      }
      await journal.save(pause.status, snapshot, part === undefined ? { end } : { end, part })
      return { status: pause.status, output: undefined }
    }
    const output = returned as JsonValue | undefined
    if (output !== undefined)
      snapshot.output = copyJson(output, `runnable "${entry.name}" returned an output that`)
    const part = atEnd === undefined ? undefined : takeAtEnd()
    const end: RunEventData & { type: 'run.end' } = {
      type: 'run.end',
      status: 'completed',
      ...(output === undefined ? {} : { output }),
      usage: emptyUsage(),
      turns: 0,
    }
    await journal.save('completed', snapshot, part === undefined ? { end } : { end, part })
    return { status: 'completed', output }
  } catch (caught) {
    // A last checkpoint kept for the end is not stored: the run stays at its previous one.
    atEnd = undefined
    const thrown = readableError(caught)
    const error = signal.aborted && !(thrown instanceof AgentLoopError) ? signal.reason : thrown
    if (attempt.willRetry(error)) {
      await journal.abandon()
      throw error
    }
    const status = error instanceof RunCancelledError ? 'cancelled' : 'failed'
    snapshot.error = describeError(error)
    try {
      await journal.save(status, snapshot, {
        end: { type: 'run.end', status, error: describeError(error), usage: emptyUsage(), turns: 0 },
      })
    } catch {
      // Storage is down or another worker owns the run: the stored run stays at its last
      // checkpoint (running), and orphan recovery continues it.
    }
    throw error
  } finally {
    execution.dispose()
  }
}

/** `ctx.checkpoint`'s `part`: a JSON object, copied (the run stores it as it is). */
function copyPart(part: unknown): JsonObject {
  if (part === null || typeof part !== 'object' || Array.isArray(part)) {
    throw new ConfigError({
      message: `ctx.checkpoint(state, events, { part }): part must be a JSON object; got ${Array.isArray(part) ? 'an array' : JSON.stringify(part)}.`,
    })
  }
  return copyJson(part as JsonObject, 'ctx.checkpoint(state, events, { part }): part') as JsonObject
}

function emptyUsage() {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 }
}

interface StepRunner {
  step<T extends JsonValue | undefined>(
    name: string,
    fn: (step: { signal: AbortSignal; attempt: number }) => T | Promise<T>,
    options?: RunnableStepOptions,
  ): Promise<T>
  /** Runs a step job's step (state and results threaded through the job). */
  jobStep(
    step: ResolvedStep,
    state: JsonObject,
  ): Promise<{ state: JsonObject; result: JsonValue | undefined } | 'skipped'>
}

function createStepRunner(options: {
  runId: string
  name: string
  journal: RunnableJournal
  snapshot: RunnableSnapshot
  signal: AbortSignal
}): StepRunner {
  const { journal, snapshot, signal } = options
  const emit = (data: StepEventData) => journal.emit(data as unknown as RunEventData)
  const running = new Set<string>()
  let index = 0
  return {
    async step(name, fn, stepOptions = {}) {
      if (typeof name !== 'string' || name === '') {
        throw new ConfigError({
          message: `ctx.step(name, fn): name must be a non-empty string; got ${JSON.stringify(name)}.`,
        })
      }
      if (running.has(name)) {
        throw new ConfigError({
          message: `ctx.step("${name}"): a step of this name already ran in this run; step names identify saved results, so make them unique.`,
        })
      }
      running.add(name)
      const stepIndex = index++
      if (Object.hasOwn(snapshot.steps, name)) {
        await emit({ type: 'step.skip', step: name, index: stepIndex, reason: 'completed' })
        return snapshot.steps[name] as JsonValue as Awaited<ReturnType<typeof fn>>
      }
      const resolved = resolveStep(
        {
          name,
          ...(stepOptions.retries === undefined ? {} : { retries: stepOptions.retries }),
          ...(stepOptions.retryDelay === undefined ? {} : { retryDelay: stepOptions.retryDelay }),
          ...(stepOptions.timeout === undefined ? {} : { timeout: stepOptions.timeout }),
          run: async (context: { signal: AbortSignal; attempt: number }) => ({
            result: await fn({ signal: context.signal, attempt: context.attempt }),
          }),
        } as never,
        stepIndex,
        [],
      )
      const outcome = await runStep({
        jobId: options.runId,
        jobName: options.name,
        step: resolved,
        state: {},
        results: {},
        signal,
        emit,
      })
      snapshot.steps[name] = outcome.result === undefined ? null : structuredClone(outcome.result)
      await journal.save('running', snapshot)
      await emit({
        type: 'step.end',
        step: name,
        index: stepIndex,
        attempt: outcome.attempts,
        durationMs: outcome.durationMs,
        checkpointed: true,
      })
      return (outcome.result ?? undefined) as Awaited<ReturnType<typeof fn>>
    },
    async jobStep(step, state) {
      if (Object.hasOwn(snapshot.steps, step.name)) {
        await emit({ type: 'step.skip', step: step.name, index: step.index, reason: 'completed' })
        return 'skipped'
      }
      const outcome = await runStep({
        jobId: options.runId,
        jobName: options.name,
        step,
        state: deepFreeze(structuredClone(state)),
        results: deepFreeze(structuredClone(snapshot.steps)),
        signal,
        emit,
      })
      const next = outcome.state === undefined ? state : { ...state, ...outcome.state }
      snapshot.steps[step.name] = outcome.result === undefined ? null : structuredClone(outcome.result)
      snapshot.state = structuredClone(next)
      if (step.checkpoint) await journal.save('running', snapshot)
      await emit({
        type: 'step.end',
        step: step.name,
        index: step.index,
        attempt: outcome.attempts,
        durationMs: outcome.durationMs,
        checkpointed: step.checkpoint,
      })
      return { state: next, result: outcome.result }
    },
  }
}

/** A step job as a run: its steps in order, each checkpointed in the run; the output is `{ state, results }`. */
async function runStepJob(
  entry: Extract<RegisteredRunnable, { kind: 'steps' }>,
  snapshot: RunnableSnapshot,
  steps: StepRunner,
): Promise<JsonValue> {
  const plan = planOf(entry.job)
  if (plan === undefined) {
    throw new ConfigError({ message: `"${entry.name}" is not a job made by steps({ name }).` })
  }
  let state: JsonObject = (snapshot.state as JsonObject | undefined) ?? structuredClone(plan.initialState)
  for (const step of plan.steps) {
    const outcome = await steps.jobStep(step, state)
    if (outcome !== 'skipped') state = outcome.state
  }
  return { state, results: structuredClone(snapshot.steps) }
}
