import { ConfigError, RunCancelledError } from '../errors/errors.js'
import { createEventChannel, resultStream } from '../events/event-channel.js'
import type { RunStatus } from '../events/run-event.js'
import { requireJson } from '../storage/repositories/shared.js'
import type { Storage } from '../storage/storage.js'
import type { JsonObject } from '../util/json.js'
import {
  checkRunOptions,
  executeJob,
  type JobExecution,
  type JobPlan,
  type JobResult,
  type JobRunOptions,
} from './execute-job.js'
import { type JobSnapshot, loadJob } from './job-checkpoint.js'
import { type ResolvedStep, resolveStep, type StepDefinition } from './step-definition.js'
import type { StepEvent } from './step-event.js'

/** The results of a job with no step yet. */
export type NoResults = Record<never, never>

/** The options of `steps()`. */
export type StepsOptions<TState> = {
  /** The job's name: stored with its checkpoints (`agentName: 'steps:<name>'`). Keep it stable. */
  name: string
  /** Events a `stream()` consumer may fall behind before the job waits. Default 64. */
  streamHighWaterMark?: number
} & (NoResults extends TState ? { initialState?: TState } : { initialState: TState })

/** The events of one job execution as an async iterable, plus its result (like `stream()` for runs). */
export interface JobStream<TState, TResults> extends AsyncIterable<StepEvent> {
  readonly jobId: string
  /** Resolves like `job.run()`; rejects for a failed or cancelled job. */
  readonly result: Promise<JobResult<TState, TResults>>
}

/** What storage knows about a job, from `job.load(jobId, { storage })`. */
export interface JobInfo<TState, TResults> {
  jobId: string
  jobName: string
  /** `running` also for a job whose process died mid-way: resume it. */
  status: RunStatus
  state: TState
  /** Results of the completed steps. */
  results: Partial<TResults>
  completed: string[]
  /** Set when the job failed or was cancelled in a step. */
  failure?: { step: string; attempts: number; error: { name: string; message: string } }
}

/**
 * A multi-step job: an ordered list of named steps sharing a typed state. Add steps with
 * `.step({ name, run, ...options })` (each call returns a new job with the step's result typed),
 * then `run`, `stream` or `resume` it.
 */
export interface StepJob<TState, TResults> {
  readonly name: string
  /** The step names, in order. */
  readonly stepNames: readonly string[]
  /** A new job with this step appended. */
  step<TName extends string, TResult = undefined>(
    definition: StepDefinition<TState, TResults, TName, TResult>,
  ): StepJob<TState, TResults & { [K in TName]: TResult }>
  /**
   * Runs the job to its end. With `storage` and the `jobId` of an unfinished job, continues it
   * after its last completed step. Resolves with the result; rejects with `StepFailedError` (a
   * `MaxRetriesExceededError`) or `RunCancelledError`.
   */
  run(options?: JobRunOptions<TState>): Promise<JobResult<TState, TResults>>
  /** Runs the job and streams its events; breaking out of the iteration cancels the job. */
  stream(options?: JobRunOptions<TState>): JobStream<TState, TResults>
  /** Continues a checkpointed job; fails with `RecordNotFoundError` when the storage does not hold it. */
  resume(
    jobId: string,
    options: Omit<JobRunOptions<TState>, 'jobId' | 'state'> & { storage: Storage },
  ): Promise<JobResult<TState, TResults>>
  /** The stored checkpoint of a job, or null. */
  load(jobId: string, options: { storage: Storage }): Promise<JobInfo<TState, TResults> | null>
}

/**
 * Defines a durable multi-step job (the StepExecutor of agentloop).
 *
 * @example
 * const job = steps({ name: 'report', initialState: { topic: 'tides', words: 0 } })
 *   .step({ name: 'fetch', retries: 3, timeout: 10_000, run: async ({ state, signal }) => ({ result: await fetchText(state.topic, signal) }) })
 *   .step({ name: 'count', run: ({ results }) => ({ state: { words: results.fetch.split(' ').length } }) })
 * const result = await job.run({ jobId: 'report-1', storage })   // run again with the same id to resume
 */
export function steps<TState extends object = NoResults>(
  options: StepsOptions<TState>,
): StepJob<TState, NoResults> {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError({ message: 'steps(options): pass { name, initialState?, ... }.' })
  }
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new ConfigError({
      message: `steps(options): name must be a non-empty string; got ${JSON.stringify(options.name)}.`,
    })
  }
  const initialState = (options as { initialState?: unknown }).initialState ?? {}
  if (initialState === null || typeof initialState !== 'object' || Array.isArray(initialState)) {
    throw new ConfigError({ message: `steps "${options.name}": initialState must be a JSON object.` })
  }
  requireJson(initialState, `steps "${options.name}": initialState`)
  const highWaterMark = options.streamHighWaterMark ?? 64
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
    throw new ConfigError({
      message: `steps "${options.name}": streamHighWaterMark must be a positive integer; got ${String(highWaterMark)}.`,
    })
  }
  return createJob(
    { name: options.name, steps: [], initialState: structuredClone(initialState as JsonObject) },
    highWaterMark,
  )
}

/** The plans of the jobs `steps()` made, so a runtime can run a registered job as a runnable. */
const plans = new WeakMap<object, JobPlan>()

/** The plan (steps and initial state) of a job made by `steps()`; undefined for anything else. */
export function planOf(job: object): JobPlan | undefined {
  return plans.get(job)
}

function createJob<TState, TResults>(plan: JobPlan, highWaterMark: number): StepJob<TState, TResults> {
  const job = defineJob<TState, TResults>(plan, highWaterMark)
  plans.set(job, plan)
  return job
}

function defineJob<TState, TResults>(plan: JobPlan, highWaterMark: number): StepJob<TState, TResults> {
  const where = `job "${plan.name}"`
  const execution = (options: unknown, method: string, mustExist: boolean, jobId?: string): JobExecution => {
    const checked = checkRunOptions(options, `${where}.${method}`)
    return { plan, options: checked, mustExist, jobId: jobId ?? checked.jobId ?? crypto.randomUUID() }
  }
  return {
    name: plan.name,
    stepNames: plan.steps.map((step) => step.name),

    step(definition) {
      const step: ResolvedStep = resolveStep(
        definition as unknown as StepDefinition<never, never, string, unknown>,
        plan.steps.length,
        plan.steps,
      )
      return createJob({ ...plan, steps: [...plan.steps, step] }, highWaterMark)
    },

    run(options) {
      return executeJob(execution(options, 'run', false)) as Promise<JobResult<TState, TResults>>
    },

    resume(jobId, options) {
      if (typeof jobId !== 'string' || jobId.length === 0) {
        throw new ConfigError({ message: `${where}.resume: jobId must be a non-empty string.` })
      }
      return executeJob(execution(options, 'resume', true, jobId)) as Promise<JobResult<TState, TResults>>
    },

    stream(options) {
      const channel = createEventChannel<StepEvent>({ highWaterMark, onAbandon: () => abandon() })
      let abandon = () => {}
      const base = execution(options, 'stream', false)
      const result = executeJob({
        ...base,
        sink: (event) => channel.push(event),
        onCancel: (cancel) => {
          abandon = () =>
            cancel(
              new RunCancelledError({
                message: `Job "${plan.name}" (id ${base.jobId}) was cancelled because its stream consumer stopped reading.`,
              }),
            )
        },
      }) as Promise<JobResult<TState, TResults>>
      return Object.assign(resultStream(channel, result), { jobId: base.jobId })
    },

    async load(jobId, options) {
      const storage = options?.storage
      if (storage === undefined || typeof storage?.runs?.load !== 'function') {
        throw new ConfigError({
          message: `${where}.load: pass { storage }, the Storage the job was saved to.`,
        })
      }
      const loaded = await loadJob(storage, jobId, plan.name)
      if (loaded === null) return null
      const snapshot: JobSnapshot = loaded.snapshot
      return {
        jobId,
        jobName: plan.name,
        status: loaded.status,
        state: snapshot.state as TState,
        results: snapshot.results as Partial<TResults>,
        completed: snapshot.completed,
        ...(snapshot.failure === undefined ? {} : { failure: snapshot.failure }),
      }
    },
  }
}
