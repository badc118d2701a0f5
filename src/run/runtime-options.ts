/**
 * The options of a `Runtime` and of the runs it starts (`run`, `stream`, `resume`), and how the
 * runtime reads its own: values checked, defaults filled in, `models` made a model registry, the
 * agents and runnables given registered.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import type { RunObserver } from '../events/run-observer.js'
import type { HooksInput } from '../hooks/hook-chain.js'
import {
  createModelRegistry,
  getDefaultModelRegistry,
  type ModelFactory,
  type ModelRegistry,
} from '../model/model-registry.js'
import type { Storage } from '../storage/storage.js'
import type { JsonValue } from '../util/json.js'
import type { ApprovalDecision } from './active-run.js'
import { positiveInteger, positiveMilliseconds } from './check-run-options.js'
import type { EventBus } from './event-bus.js'
import { createRunnableFinder, type FindRunnable, type RunnableResolver } from './find-runnable.js'
import { checkObservers } from './observe-runs.js'
import type { RunQueue } from './run-queue.js'
import { createRunnableRegistry, type RunnableInput, type RunnableRegistry } from './runnable.js'
import type { RunnerSettings } from './runner-settings.js'

/** Options of one run. */
export interface RunOptions<TContext = unknown> {
  /** Your data for tools and hooks (user id, db handle, secrets). Never sent to the model, events or stores. */
  context?: TContext
  /** Cancels the run: it rejects with `RunCancelledError` at once, and the signal reaches the model and the tools. */
  signal?: AbortSignal
  /** Fails the run with `RunTimeoutError` after this many milliseconds. */
  timeoutMs?: number
  /** Overrides the agent's `maxTurns` for this run. */
  maxTurns?: number
  /** Use this id instead of a generated one (a UUID). */
  runId?: string
  /**
   * A session id (needs a runtime with storage): the session's active branch is loaded as the
   * conversation before the input, and the run's new messages are appended to it when it completes.
   */
  session?: string
  /**
   * The workflow run and node this run works for (workflow services set it on an agent node's run):
   * recorded in `run.start` as `parent`, so usage is charged to the workflow's owner and tracing
   * puts the run under its node.
   */
  parent?: { runId: string; nodeId: string }
  /**
   * Run the tool calls of an input that ends with an assistant message whose calls have no results
   * (default `false`: such an input is a `ConfigError`). Only turn it on for conversations you
   * produced yourself: a client that sends history could otherwise make the run execute any tool
   * call it writes, without a model ever asking for it.
   */
  executeInputToolCalls?: boolean
}

/** Options of `runtime.resume`. */
export interface ResumeOptions<TContext = unknown> {
  /** Decisions on the tool calls in `result.interruptions` (awaiting approval or review). */
  approvals?: readonly ApprovalDecision[]
  /** The run context, given again (it is never stored). */
  context?: TContext
  signal?: AbortSignal
  timeoutMs?: number
  maxTurns?: number
  /**
   * The answer to a runnable's run paused with `awaiting_input` or `needs_review` (a workflow's
   * human nodes: `{ [nodeId]: answer }`). Checked before anything is stored; the run then
   * continues from its checkpoint in whichever process takes it from the queue.
   */
  input?: JsonValue
}

/** Options of `new Runtime(...)`. */
export interface RuntimeOptions {
  /** Hooks applied to every run, around the agent's own hooks. */
  hooks?: HooksInput<unknown>
  /** Tool calls of one turn that may run at once (default 8). */
  toolConcurrency?: number
  /** The default `timeoutMs` of every run (default: none). */
  timeoutMs?: number
  /** Events a `stream()` buffers before the run waits for its consumer (default 64). */
  streamHighWaterMark?: number
  /**
   * Makes runs durable: each run is checkpointed after every model response and tool result, its
   * events are logged, and `resume(runId)` continues it, also from another process.
   */
  storage?: Storage
  /** The agents `resume` can continue, found by name (a stored run names its agent). */
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agents?: readonly Agent<any, any>[]
  /**
   * How agents' model references (`model: 'openai:gpt-4o'`) resolve: a registry, or factories by
   * provider prefix added to the built-in ones (default: the built-in providers, configured from
   * environment variables).
   */
  models?: ModelRegistry | Record<string, ModelFactory>
  /**
   * See every event of every run, streamed or not (tracing: `createTracing()` of `agentloop/otel`).
   * Called in order, after a durable run stored the event; an observer's exception is ignored.
   */
  observers?: readonly RunObserver[]
  /** Runnables `submit` can run by name, besides `agents`: step jobs and your own `{ name, run(ctx) }`. */
  runnables?: readonly RunnableInput[]
  /**
   * Finds a runnable this runtime does not have when a queued, resumed or orphaned run names it
   * (a worker process running the agents a server stores as data: `agentloop worker` sets it).
   * What it returns is registered and runs the run; undefined fails the run as before. Asked again
   * for each later run of a name it resolved, so a changed definition replaces the registered one.
   */
  resolveRunnable?: RunnableResolver
  /**
   * Where `submit` queues runs (default: the in-process queue). `createBullMqQueue` from
   * `agentloop/redis` shares them between processes.
   */
  queue?: RunQueue
  /** How run events and cancellations travel (default: in-process). `createRedisEventBus` spans processes. */
  bus?: EventBus
  /** Concurrency, retries, timeout and orphan detection of submitted runs (docs/runner.md). */
  runner?: RunnerSettings
}

/** The runtime's settings read from its options, each checked (a bad one is a `ConfigError`). */
export interface ResolvedRuntimeOptions {
  toolConcurrency: number
  timeoutMs: number | undefined
  streamHighWaterMark: number
  models: ModelRegistry
  observers: readonly RunObserver[] | undefined
  /** The agents and runnables given, registered. */
  runnables: RunnableRegistry
  /** The registry, then `resolveRunnable` (find-runnable.ts). */
  findRunnable: FindRunnable
}

/** Checks the values of `new Runtime(options)` (their keys are checked already) and fills in the defaults. */
export function resolveRuntimeOptions(options: RuntimeOptions): ResolvedRuntimeOptions {
  const toolConcurrency = positiveInteger(options.toolConcurrency, 8, 'Runtime: toolConcurrency')
  const timeoutMs =
    options.timeoutMs === undefined
      ? undefined
      : positiveMilliseconds(options.timeoutMs, 'Runtime: timeoutMs')
  const streamHighWaterMark = positiveInteger(options.streamHighWaterMark, 64, 'Runtime: streamHighWaterMark')
  const models = modelRegistryOf(options.models)
  const observers = checkObservers(options.observers)
  const { storage } = options
  if (storage !== undefined && typeof storage.runs?.save !== 'function') {
    throw new ConfigError({
      message:
        'Runtime: storage must be a Storage, such as createMemoryStorage() or createSqliteStorage({ path }).',
    })
  }
  const runnables = createRunnableRegistry('runtime')
  for (const [index, agent] of (options.agents ?? []).entries()) {
    if (typeof agent?.name !== 'string' || typeof agent.getTool !== 'function') {
      throw new ConfigError({ message: `Runtime: agents[${index}] is not an Agent.` })
    }
    if (runnables.get(agent.name) !== undefined) {
      throw new ConfigError({
        message: `Runtime: two agents are named "${agent.name}"; resume finds agents by name, so names must be unique.`,
      })
    }
    runnables.register(agent)
  }
  for (const runnable of options.runnables ?? []) runnables.register(runnable)
  if (options.resolveRunnable !== undefined && typeof options.resolveRunnable !== 'function') {
    throw new ConfigError({
      message: `Runtime: resolveRunnable must be a function (name) => runnable | undefined; got ${typeof options.resolveRunnable}.`,
    })
  }
  const findRunnable = createRunnableFinder(runnables, options.resolveRunnable)
  return { toolConcurrency, timeoutMs, streamHighWaterMark, models, observers, runnables, findRunnable }
}

/** The registry of `RuntimeOptions.models`: the default one, the registry given, or one with the factories given. */
function modelRegistryOf(models: RuntimeOptions['models']): ModelRegistry {
  if (models === undefined) return getDefaultModelRegistry()
  const registry = models as ModelRegistry
  if (typeof registry.resolve === 'function' && typeof registry.register === 'function') return registry
  return createModelRegistry({ providers: models as Record<string, ModelFactory> })
}
