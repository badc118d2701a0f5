/**
 * One attempt at a job the runner took from the queue: the run's checkpoint (what submit saved,
 * or the stored one), its runnable found, its events published on the bus (the `run.end` held back
 * to travel with the result), then the agent started through the runtime or the runnable executed.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { RunEvent, RunStatus } from '../events/run-event.js'
import type { RunObserver } from '../events/run-observer.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import type { EventSink } from './checkpointer.js'
import { endStoredRun } from './end-stored-run.js'
import type { EventBus } from './event-bus.js'
import { executeRunnable } from './execute-runnable.js'
import type { FindRunnable } from './find-runnable.js'
import { observed } from './observe-runs.js'
import type { QueuedRun } from './run-queue.js'
import type { RegisteredRunnable, RunnableRegistry } from './runnable.js'
import { isRunnableSnapshot } from './runnable-journal.js'
import type { ResolvedRunnerSettings } from './runner-settings.js'

/** How a run executed in this process ended: its result or error, or not here (`ended: false`). */
export type LocalOutcome =
  | { ended: false }
  | { ended: true; value: unknown }
  | { ended: true; error: unknown }

/** Statuses a run leaves only by executing. */
const OPEN: ReadonlySet<RunStatus> = new Set(['queued', 'running'])

/** What the runtime does for an agent run the runner executes. */
export interface AgentLaunch {
  agent: Extract<RegisteredRunnable, { kind: 'agent' }>['agent']
  checkpoint: RunCheckpoint
  /** The last stored event `seq`. */
  seq: number
  context: unknown
  signal: AbortSignal
  timeoutMs: number
  sink: EventSink
  /** Whether anyone watches the run (see `EventBus.watched`). */
  watched: (() => boolean) | undefined
  willRetry(error: unknown): boolean
}

/** What executing a job uses of the runner's options (`RunnerOptions`). */
export interface JobServices {
  storage: Storage
  bus: EventBus
  registry: RunnableRegistry
  /** The runnable a run names: the registry, then the runtime's `resolveRunnable` (find-runnable.ts). */
  find: FindRunnable
  settings: ResolvedRunnerSettings
  startAgent(launch: AgentLaunch): Promise<unknown>
  /** The runtime's observers: they see runnables' events, and carry trace context through the queue. */
  observers?: readonly RunObserver[] | undefined
}

/** One attempt at a job. */
export interface Attempt {
  services: JobServices
  /** The run contexts given with `submit` or `resume`, by run id. */
  contexts: ReadonlyMap<string, unknown>
  job: QueuedRun
  /** 1 for the first attempt. */
  attempt: number
  /** Aborts when the run is cancelled or the worker shuts down. */
  signal: AbortSignal
  /** Whether the runner retries after this error (then the run does not end). */
  willRetry: (error: unknown) => boolean
}

/**
 * Runs one attempt: resolves with how the run ended here (`ended: false` when it paused, was not
 * open any more, or could not start), or rejects with the error the attempt failed with.
 */
export async function attemptRun(request: Attempt): Promise<LocalOutcome> {
  const { services, contexts, job, attempt, signal, willRetry } = request
  const { storage, bus, settings } = services
  const { runId } = job
  // A job's first attempt starts from what submit saved (a cancel in between makes its claim conflict).
  const submitted = attempt === 1 ? job.start : undefined
  const checkpoint = submitted ?? (await storage.runs.load(runId))
  // Ended, paused or deleted meanwhile: nothing to run, and wait reads storage.
  if (checkpoint === null || !OPEN.has(checkpoint.record.status)) return { ended: false }
  const { record } = checkpoint
  const entry = await services.find(record.agentName)
  if (entry === undefined) {
    await endStoredRun({
      storage,
      bus,
      record,
      status: 'failed',
      error: new ConfigError({
        message: `No runnable named "${record.agentName}" is registered on the worker that took run "${runId}". Register it in the worker's config module.`,
      }),
    })
    return { ended: false }
  }
  // A run submitted here has no events yet (a cancel ends it instead of starting it); a queued run
  // may have some (a paused runnable answered with runtime.resume is queued again).
  const seq = submitted !== undefined ? 0 : await storage.runs.lastEventSeq(runId)
  // A run's run.end waits for the run's result, to travel with it to the run's waiters (a bus
  // with end channels): `wait` in another process then reads nothing back.
  const holdEnd = bus.subscribeEnd !== undefined
  let heldEnd: RunEvent | undefined
  const publish: EventSink = (event) => {
    if (holdEnd && event.type === 'run.end') heldEnd = event
    else bus.publish(runId, [event])
    return undefined
  }
  /** Publishes the held run.end, with the run's result when it completed. */
  const releaseEnd = (outcome: LocalOutcome) => {
    const end = heldEnd
    heldEnd = undefined
    if (end === undefined) return
    const value = 'value' in outcome ? (outcome.value as { status?: unknown } | undefined) : undefined
    const completed = end.type === 'run.end' && end.status === 'completed' && value?.status === 'completed'
    bus.publish(runId, [end], completed ? { result: value } : undefined)
  }
  // An agent run's events reach the observers in the runtime; a runnable's here.
  const sink = entry.kind === 'agent' ? publish : observed(services.observers, publish)
  const timeoutMs = job.timeoutMs ?? settings.timeoutMs
  const context = contexts.has(runId)
    ? contexts.get(runId)
    : settings.context?.({ runId, name: entry.name, metadata: record.metadata })
  // Whether anyone follows the run, known before its first event (a round trip on a shared bus).
  await bus.watch?.(runId)
  let outcome: LocalOutcome = { ended: false }
  try {
    if (entry.kind === 'agent') {
      const value = await services.startAgent({
        agent: entry.agent,
        checkpoint,
        seq,
        context,
        signal,
        timeoutMs,
        sink,
        watched: bus.watched === undefined ? undefined : () => bus.watched?.(runId) === true,
        willRetry,
      })
      outcome = { ended: true, value }
      return outcome
    }
    const snapshot = checkpoint.snapshot
    if (!isRunnableSnapshot(snapshot)) {
      throw new ConfigError({
        message: `Run "${runId}" of "${entry.name}" has a checkpoint that is not a runnable's; it cannot be executed.`,
      })
    }
    const executed = await executeRunnable({
      entry,
      storage,
      runId,
      revision: record.revision,
      snapshot: { ...snapshot, attempts: attempt - 1 },
      seq,
      metadata: record.metadata,
      context,
      signal,
      timeoutMs,
      attempt,
      willRetry,
      sink,
      parts: checkpoint.parts,
    })
    // Paused (awaiting input, or review): wait reads the stored run, which says what it waits for.
    if (executed.status !== 'completed') return outcome
    outcome = {
      ended: true,
      value: {
        runId,
        input: snapshot.input,
        status: 'completed',
        output: executed.output,
        items: [],
        messages: snapshot.input,
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
        turns: 0,
        interruptions: [],
        lastAgent: entry.name,
      },
    }
    return outcome
  } finally {
    releaseEnd(outcome)
  }
}
