import { ConfigError, describeError, RunCancelledError } from '../errors/errors.js'
import { startExecution } from '../events/execution.js'
import type { RunStatus } from '../events/run-event.js'
import { requireJson } from '../storage/repositories/shared.js'
import type { Storage } from '../storage/storage.js'
import { RecordNotFoundError, StorageConflictError } from '../storage/storage-errors.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import { JOB_SNAPSHOT_VERSION, type JobSnapshot, type LoadedJob, loadJob, saveJob } from './job-checkpoint.js'
import { deepFreeze, runStep } from './run-step.js'
import type { ResolvedStep } from './step-definition.js'
import { StepFailedError } from './step-errors.js'
import type { JobStatus, StepEvent, StepEventData } from './step-event.js'

/** Options of `job.run`, `job.stream` and `job.resume`. */
export interface JobRunOptions<TState> {
  /** The job's id: give it to resume later (a job with this id in `storage` is continued). Default: a new UUID. */
  jobId?: string
  /** Where checkpoints go. Without it the job runs in memory and cannot be resumed. */
  storage?: Storage
  /** Overrides of the initial state, for a new job (a resumed job keeps its saved state). */
  state?: Partial<TState>
  /** Cancels the job: the running step's signal aborts and the job ends `cancelled`. */
  signal?: AbortSignal
  /** Called with every event, synchronously. Exceptions it throws are ignored: observers cannot break a job. */
  onEvent?: (event: StepEvent) => void
}

/** What a completed job resolves with. `state` and `results` are read-only (frozen). */
export interface JobResult<TState, TResults> {
  jobId: string
  jobName: string
  status: 'completed'
  state: TState
  results: TResults
  /** Steps this execution ran, in order. */
  executed: string[]
  /** Steps this execution skipped because an earlier one completed them. */
  skipped: string[]
}

/** A job definition as the executor sees it. */
export interface JobPlan {
  name: string
  steps: readonly ResolvedStep[]
  initialState: JsonObject
}

/** How the executor was called. */
export interface JobExecution {
  plan: JobPlan
  options: JobRunOptions<unknown>
  /** `resume` fails when the storage holds no checkpoint for the id. */
  mustExist: boolean
  jobId: string
  sink?: (event: StepEvent) => Promise<void> | undefined
  /** Receives the function that cancels the job (used by streams whose consumer stops). */
  onCancel?: (cancel: (reason: unknown) => void) => void
}

/** Checks the options a caller passes; throws `ConfigError` naming the field. */
export function checkRunOptions(options: unknown, where: string): JobRunOptions<unknown> {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object') {
    throw new ConfigError({ message: `${where}: options must be an object.` })
  }
  const { jobId, storage, signal, onEvent, state } = options as JobRunOptions<unknown>
  if (jobId !== undefined && (typeof jobId !== 'string' || jobId.length === 0)) {
    throw new ConfigError({
      message: `${where}: jobId must be a non-empty string; got ${JSON.stringify(jobId)}.`,
    })
  }
  if (storage !== undefined && (storage === null || typeof storage.runs?.save !== 'function')) {
    throw new ConfigError({
      message: `${where}: storage must be a Storage, such as createMemoryStorage() or createSqliteStorage({ path }).`,
    })
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ConfigError({ message: `${where}: signal must be an AbortSignal.` })
  }
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new ConfigError({ message: `${where}: onEvent must be a function (event) => void.` })
  }
  if (state !== undefined) {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new ConfigError({ message: `${where}: state must be an object (a partial initial state).` })
    }
    requireJson(state, `${where}: state`)
  }
  return options as JobRunOptions<unknown>
}

/**
 * Runs a job: restores its checkpoint (if any), skips the completed steps, runs the others in order
 * and checkpoints after each one. Resolves when every step completed; rejects with the failure
 * (`StepFailedError`), the cancellation (`RunCancelledError`) or a storage error.
 */
export async function executeJob(execution: JobExecution): Promise<JobResult<unknown, unknown>> {
  const { plan, options, jobId } = execution
  const { storage } = options
  const started = Date.now()
  const running = startExecution<StepEventData, StepEvent>({
    owner: (event) => {
      event.jobId = jobId
    },
    endType: 'job.end',
    deliver: (event) => {
      if (options.onEvent !== undefined) {
        try {
          options.onEvent(event)
        } catch {
          // An observer cannot break the job (documented on onEvent).
        }
      }
      return execution.sink?.(event)
    },
    signal: options.signal,
    onSignal: (reason) =>
      new RunCancelledError({
        message: `Job "${plan.name}" (id ${jobId}) was cancelled by its AbortSignal.`,
        cause: reason,
      }),
  })
  const controller = { signal: running.signal }
  execution.onCancel?.(running.cancel)
  const emit = running.emit
  const end = async (status: JobStatus, error?: unknown, failedStep?: string) => {
    await emit({
      type: 'job.end',
      jobName: plan.name,
      status,
      durationMs: Date.now() - started,
      ...(failedStep === undefined ? {} : { failedStep }),
      ...(error === undefined ? {} : { error: describeError(error) }),
    })
  }

  let loaded: LoadedJob | null = null
  try {
    if (storage !== undefined) loaded = await loadJob(storage, jobId, plan.name)
    if (loaded === null && execution.mustExist) {
      throw new RecordNotFoundError({
        collection: 'run',
        key: jobId,
        message:
          storage === undefined
            ? `Cannot resume job "${plan.name}" (id ${jobId}) without the storage it was checkpointed to: pass { storage }.`
            : `No job "${plan.name}" with id "${jobId}" in this storage: nothing to resume. Start it with job.run({ jobId, storage }).`,
      })
    }
  } catch (error) {
    running.dispose()
    await end('failed', error)
    throw error
  }

  const snapshot: JobSnapshot = loaded?.snapshot ?? {
    version: JOB_SNAPSHOT_VERSION,
    kind: 'steps',
    jobName: plan.name,
    state: { ...plan.initialState, ...(options.state as JsonObject | undefined) },
    results: {},
    completed: [],
    seq: 0,
    startedAt: started,
  }
  delete snapshot.failure
  // A resumed job continues after the stored seq.
  running.continueAfter(snapshot.seq)
  let state = deepFreeze(structuredClone(snapshot.state))
  const results: { [step: string]: JsonValue } = { ...snapshot.results }
  const completed = new Set(snapshot.completed)
  let revision = loaded?.revision ?? null

  // Saves the checkpoint; `next` is how many events the caller emits right after it, so that the
  // saved `seq` covers them and a resumed job never reuses a seq its consumers have seen.
  const checkpoint = async (status: RunStatus, next: number, failure?: JobSnapshot['failure']) => {
    if (storage === undefined) return
    const saved: JobSnapshot = {
      ...snapshot,
      state,
      results,
      completed: [...completed],
      seq: running.seq + next,
      ...(failure === undefined ? {} : { failure }),
    }
    revision = await saveJob({ storage, jobId, status, snapshot: saved, expectedRevision: revision })
  }

  const executed: string[] = []
  const skipped: string[] = []
  let current: ResolvedStep | undefined
  try {
    await emit({
      type: 'job.start',
      jobName: plan.name,
      resumed: loaded !== null,
      steps: plan.steps.map((step) => step.name),
      completed: plan.steps.filter((step) => completed.has(step.name)).map((step) => step.name),
    })
    // Claims the job: a second executor of the same id now fails its next save (compare-and-set).
    await checkpoint('running', 0)
    for (const step of plan.steps) {
      if (completed.has(step.name)) {
        skipped.push(step.name)
        await emit({ type: 'step.skip', step: step.name, index: step.index, reason: 'completed' })
        continue
      }
      if (controller.signal.aborted) throw controller.signal.reason
      current = step
      const outcome = await runStep({
        jobId,
        jobName: plan.name,
        step,
        state,
        results: deepFreeze({ ...results }),
        signal: controller.signal,
        emit,
      })
      if (outcome.state !== undefined) state = deepFreeze({ ...state, ...outcome.state })
      if (outcome.result !== undefined) results[step.name] = outcome.result
      completed.add(step.name)
      executed.push(step.name)
      current = undefined
      if (step.checkpoint) await checkpoint('running', 1)
      await emit({
        type: 'step.end',
        step: step.name,
        index: step.index,
        attempt: outcome.attempts,
        durationMs: outcome.durationMs,
        checkpointed: step.checkpoint && storage !== undefined,
      })
    }
    await checkpoint('completed', 1)
    await end('completed')
    return {
      jobId,
      jobName: plan.name,
      status: 'completed',
      state,
      results: deepFreeze(results),
      executed,
      skipped,
    }
  } catch (error) {
    const status: JobStatus =
      controller.signal.aborted && error === controller.signal.reason ? 'cancelled' : 'failed'
    const failedStep = current?.name
    if (!(error instanceof StorageConflictError)) {
      // Another executor owns the job after a conflict: saving would conflict too. Otherwise keep
      // what completed (including steps whose checkpoint was deferred) and why the job stopped.
      const failure =
        failedStep === undefined
          ? undefined
          : {
              step: failedStep,
              attempts: error instanceof StepFailedError ? error.attempts : 0,
              error: describeError(error instanceof StepFailedError ? error.cause : error),
            }
      try {
        await checkpoint(status, 1, failure)
      } catch {
        // The job already failed; its last good checkpoint still allows a resume.
      }
    }
    await end(status, error, failedStep)
    throw error
  } finally {
    running.dispose()
  }
}
