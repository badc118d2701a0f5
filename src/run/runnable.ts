/**
 * Runnables: everything the runtime runs by name (an `Agent`, a step job, or your own
 * `{ name, run(ctx) }`), and the registry that holds them.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { RunEventData } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { StepJob } from '../steps/steps.js'
import type { JsonObject, JsonValue } from '../util/json.js'

/** Options of one step of `ctx.step` (the step job's options that apply to a single function). */
export interface RunnableStepOptions {
  /** Further attempts after a failure (default 0). */
  retries?: number
  /** Milliseconds before each retry (default 1000), or a function of the retry number and the error. */
  retryDelay?: number | ((attempt: number, error: unknown) => number)
  /** Milliseconds one attempt may take. */
  timeout?: number
}

/** What one attempt of a step receives. */
export interface RunnableStepContext {
  /** Aborts when the run is cancelled or the step times out. */
  signal: AbortSignal
  /** 1 for the first attempt. */
  attempt: number
}

/** What a runnable's `run` receives. */
export interface RunnableContext<TContext = unknown> {
  readonly runId: string
  /** The run's input, as messages (a string input is one user message). */
  readonly input: readonly Message[]
  /** The metadata given to `submit` (stored with the run). */
  readonly metadata: Readonly<JsonObject>
  /** Aborts on `runtime.cancel(runId)`, the run's timeout, or a worker shutting down. */
  readonly signal: AbortSignal
  /** The run context given to `submit` (never stored, never in an event). */
  readonly context: TContext
  /** 1 for the first attempt, 2 for the first retry (after a failure or a crash). */
  readonly attempt: number
  /** What the last `checkpoint(state)` saved (undefined on a first start). */
  readonly state: JsonValue | undefined
  /**
   * The parts saved with `checkpoint(state, events, { part })`, in save order (empty when none):
   * with `state`, what a retried or resumed run rebuilds its state from.
   */
  readonly parts: readonly JsonObject[]
  /**
   * The answer given with `runtime.resume(runId, { input })` to a run that paused
   * (`ctx.pause(request)`); undefined otherwise. It is delivered until the next `checkpoint`
   * saves what the runnable made of it (a crash before that delivers it again).
   */
  readonly resumeInput: JsonValue | undefined
  /** Emits an event `{ type: 'custom', name, data }` into the run's stored log and live stream. */
  emit(name: string, data?: JsonValue): Promise<void>
  /**
   * Emits a run event of one of the `RunEvent` types (not `run.start` / `run.end`, which are the
   * runtime's) into the run's stored log and live stream: stored, then delivered.
   */
  emitEvent(event: RunEventData): Promise<void>
  /**
   * Saves `state` (any JSON) with the run; a retried or resumed run gets it back as `ctx.state`.
   * `events` are stored in the same write and delivered after it (save before tell). `part` is
   * appended to the run's parts in the same write (stored once, never rewritten; `ctx.parts` on a
   * retry or resume): what lets a state that grows save only what changed, its small mutable rest
   * in `state`.
   */
  checkpoint(
    state: JsonValue,
    events?: readonly RunEventData[],
    options?: { part?: JsonObject },
  ): Promise<void>
  /**
   * Pauses the run: `return ctx.pause(request)` from `run` stores the run with status
   * `awaiting_input` (or `needs_review`), an `input.request` event and a `run.end` carrying the
   * status. `runtime.resume(runId, { input })` continues it from the last checkpoint, from any
   * process, with the answer as `ctx.resumeInput`. Checkpoint what the run needs before pausing.
   */
  pause(request?: JsonValue, options?: { status?: RunnablePauseStatus }): RunnablePause
  /**
   * Runs `fn` as a durable step: its result (JSON) is saved with the run, so a retried or resumed
   * run returns the saved result without running it again. Emits `step.*` events into the run's log.
   */
  step<T extends JsonValue | undefined>(
    name: string,
    fn: (step: RunnableStepContext) => T | Promise<T>,
    options?: RunnableStepOptions,
  ): Promise<T>
}

/** The statuses a runnable may pause with. */
export type RunnablePauseStatus = 'awaiting_input' | 'needs_review'

/** What `ctx.pause(request)` returns; return it from `run` to pause the run. */
export interface RunnablePause {
  readonly kind: 'pause'
  readonly status: RunnablePauseStatus
  readonly request: JsonValue
}

/** Your own logic, run by the runtime like an agent: one run record, one event log, one `run.end`. */
export interface Runnable<TContext = unknown, TOutput extends JsonValue | undefined = JsonValue | undefined> {
  /** Unique on the runtime; stored with each run, so keep it stable. */
  readonly name: string
  /**
   * Returns the run's output (JSON), or `ctx.pause(request)` to wait for input; a throw fails the
   * run (retried while retries remain).
   */
  run(context: RunnableContext<TContext>): TOutput | RunnablePause | Promise<TOutput | RunnablePause>
  /**
   * Checks an answer given with `runtime.resume(runId, { input })` before anything is stored:
   * throw a `ConfigError` naming what is wrong, and the run stays paused, unchanged. Without it,
   * any JSON answer is accepted.
   */
  checkInput?(
    input: JsonValue,
    paused: { state: JsonValue | undefined; request: JsonValue | undefined; parts: readonly JsonObject[] },
  ): void
}

/** Something that stands for a runnable (a bound workflow): `register` registers `toRunnable()`. */
export interface RunnableSource {
  // biome-ignore lint/suspicious/noExplicitAny: a runnable of any context and output
  toRunnable(): Runnable<any, any>
}

/** What the registry holds for a name. */
export type RegisteredRunnable =
  | { kind: 'agent'; name: string; agent: Agent<unknown, unknown> }
  | { kind: 'steps'; name: string; job: StepJob<unknown, unknown> }
  | { kind: 'custom'; name: string; runnable: Runnable }

/** Anything `register` accepts. */
// biome-ignore lint/suspicious/noExplicitAny: agents, jobs and runnables of any context and output
export type RunnableInput = Agent<any, any> | StepJob<any, any> | Runnable<any, any> | RunnableSource

/** The runnables of a runtime, by name. */
export interface RunnableRegistry {
  /** Adds a runnable (also while runs execute); a name already registered is a `ConfigError`. */
  register(runnable: RunnableInput): void
  /** The runnable registered under `name`, or undefined. */
  get(name: string): RegisteredRunnable | undefined
  /** Every registered runnable, in registration order. */
  list(): RegisteredRunnable[]
  /** Removes a runnable; runs already started go on. False when none had the name. */
  unregister(name: string): boolean
}

/** Tells an agent, a step job and a custom runnable apart; throws `ConfigError` for anything else. */
export function classifyRunnable(value: unknown, where: string): RegisteredRunnable {
  const candidate = value as Record<string, unknown> | null
  if (candidate === null || typeof candidate !== 'object') {
    throw new ConfigError({
      message: `${where}: expected an Agent, a step job or { name, run(ctx) }; got ${describeValue(value)}.`,
    })
  }
  if (typeof candidate.toRunnable === 'function' && typeof candidate.getTool !== 'function') {
    return classifyRunnable((candidate as unknown as RunnableSource).toRunnable(), where)
  }
  const name = candidate.name
  if (typeof name !== 'string' || name === '') {
    throw new ConfigError({
      message: `${where}: a runnable needs a non-empty string name; got ${describeValue(name)}.`,
    })
  }
  if (typeof candidate.getTool === 'function' && Array.isArray(candidate.modelTools)) {
    return { kind: 'agent', name, agent: value as Agent<unknown, unknown> }
  }
  if (Array.isArray(candidate.stepNames) && typeof candidate.step === 'function') {
    return { kind: 'steps', name, job: value as StepJob<unknown, unknown> }
  }
  if (typeof candidate.run === 'function') {
    return { kind: 'custom', name, runnable: value as Runnable }
  }
  throw new ConfigError({
    message: `${where}: "${name}" is not an Agent, a step job or a runnable: a runnable is { name, run(ctx) }.`,
  })
}

/** A registry; `where` names the owner in error messages. */
export function createRunnableRegistry(where: string): RunnableRegistry {
  const entries = new Map<string, RegisteredRunnable>()
  return {
    register(runnable) {
      const entry = classifyRunnable(runnable, `${where}.register`)
      const existing = entries.get(entry.name)
      if (existing !== undefined) {
        throw new ConfigError({
          message: `${where}.register: a ${existing.kind === 'custom' ? 'runnable' : existing.kind === 'steps' ? 'step job' : 'agent'} named "${entry.name}" is already registered; names are unique (stored runs find their runnable by name). Unregister it first or pick another name.`,
        })
      }
      entries.set(entry.name, entry)
    },
    get: (name) => entries.get(name),
    list: () => [...entries.values()],
    unregister: (name) => entries.delete(name),
  }
}
