/**
 * The runtime: what is shared across runs (hooks, limits, storage, the model registry, observers,
 * the runnables it runs by name). `run()` and `stream()` use a default runtime; create your own to
 * configure it. This class is the public face; the work happens in files named for it: a run
 * starts in start-run.ts (stream-run.ts for `stream`), continues in continue-run.ts, and a
 * submitted run goes through runner.ts (queue, workers, wait, cancel, events).
 *
 * @module
 */

import type { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { RunObserver } from '../events/run-observer.js'
import { createHookChain, type HookChain, type HooksInput } from '../hooks/hook-chain.js'
import { isModelReference } from '../model/model-reference.js'
import type { ModelRegistry } from '../model/model-registry.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { checkAgent, checkRunOptions, checkRuntimeOptions } from './check-run-options.js'
import { resumeAgentRun, runNested } from './continue-run.js'
import { createInProcessEventBus, type EventBus } from './event-bus.js'
import type { FindRunnable } from './find-runnable.js'
import { loadCheckpoint } from './load-run.js'
import { launchQueuedAgent } from './queued-agent-run.js'
import type { RunInput } from './run-input.js'
import { createInProcessQueue, type RunQueue } from './run-queue.js'
import type { RunResult } from './run-result.js'
import {
  isRunnableValue,
  type RunnableCalls,
  type RunnableRunOptions,
  runRunnable,
  streamRunnable,
} from './run-runnable.js'
import type { RunServices } from './run-services.js'
import type { RunStream } from './run-stream.js'
import type { Runnable, RunnableInput, RunnableRegistry, RunnableSource } from './runnable.js'
import { isRunnableSnapshot } from './runnable-journal.js'
import { Runner } from './runner.js'
import { type RunnerSettings, resolveRunnerSettings } from './runner-settings.js'
import {
  type ResumeOptions,
  type RunOptions,
  type RuntimeOptions,
  resolveRuntimeOptions,
} from './runtime-options.js'
import { type RunEnvironment, startRun } from './start-run.js'
import { streamRun } from './stream-run.js'
import type { SubmitOptions } from './submit-run.js'

/** Runs agents. Holds what runs share; safe to use for any number of concurrent runs. */
export class Runtime {
  readonly hooks: HooksInput<unknown>
  readonly toolConcurrency: number
  readonly timeoutMs: number | undefined
  readonly streamHighWaterMark: number
  readonly storage: Storage | undefined
  /** Resolves agents' model references. */
  readonly models: ModelRegistry
  /** What `submit` (and `resume`) can run, by name: agents, step jobs and runnables. */
  readonly runnables: RunnableRegistry
  readonly #hookChains = new WeakMap<object, HookChain<unknown>>()
  /** The observers every run is shown to (tracing); `undefined` when none were given. */
  readonly observers: readonly RunObserver[] | undefined
  readonly #queue: RunQueue | undefined
  readonly #bus: EventBus | undefined
  readonly #runnerSettings: RunnerSettings
  readonly #findRunnable: FindRunnable
  #runner: Runner | undefined
  readonly #services: RunServices = {
    hooksOf: (agent) => this.#hookChain(agent),
    modelOf: async (agent) =>
      isModelReference(agent.model) ? await this.models.resolve(agent.model.reference) : agent.model,
    runNested: (request) => runNested(this.#environment, request),
  }
  /** Durable runs executing in this process (run, stream, resume or the runner): never orphans. */
  readonly #executing = new Set<string>()
  /** What starting a run takes from this runtime. */
  readonly #environment: RunEnvironment

  constructor(runtimeOptions: RuntimeOptions = {}) {
    const options = checkRuntimeOptions(runtimeOptions)
    const resolved = resolveRuntimeOptions(options)
    this.hooks = options.hooks
    this.toolConcurrency = resolved.toolConcurrency
    this.timeoutMs = resolved.timeoutMs
    this.streamHighWaterMark = resolved.streamHighWaterMark
    this.storage = options.storage
    this.models = resolved.models
    this.observers = resolved.observers
    this.runnables = resolved.runnables
    this.#findRunnable = resolved.findRunnable
    this.#environment = {
      storage: this.storage,
      models: this.models,
      observers: this.observers,
      toolConcurrency: this.toolConcurrency,
      timeoutMs: this.timeoutMs,
      runnables: this.runnables,
      findRunnable: resolved.findRunnable,
      services: this.#services,
      hookChain: (agent) => this.#hookChain(agent),
      executing: this.#executing,
    }
    this.#queue = options.queue
    this.#bus = options.bus
    this.#runnerSettings = options.runner ?? {}
    if (options.queue !== undefined || options.bus !== undefined || options.runner !== undefined)
      this.#runnerOf()
  }

  /** Adds an agent, a step job or a runnable `{ name, run(ctx) }` (also while runs execute). */
  register(runnable: RunnableInput): this {
    this.runnables.register(runnable)
    return this
  }

  /** Removes a runnable by name; runs already started go on. */
  unregister(name: string): boolean {
    return this.runnables.unregister(name)
  }

  /**
   * Stores a run of the runnable `name` as `queued`, hands it to the queue and returns its id at
   * once. A worker (this process with the in-process queue) executes it.
   */
  submit<TContext = unknown>(
    name: string,
    input: RunInput,
    options: SubmitOptions<TContext> = {},
  ): Promise<{ runId: string }> {
    return this.#runnerOf().submit(name, input, options)
  }

  /**
   * Waits until the run ends (or pauses for approval) and returns its result; rejects with its
   * error when it failed or was cancelled. Works for a run executing in any process.
   */
  async wait<TOutput = unknown>(runId: string): Promise<RunResult<TOutput>> {
    return this.#runnerOf().wait<TOutput>(runId)
  }

  /** Cancels the run wherever it executes; resolves with the status it had. */
  cancel(runId: string): Promise<RunStatusOf> {
    return this.#runnerOf().cancel(runId)
  }

  /**
   * The run's events: the stored log after `after` (a `seq`), then live ones, up to its `run.end`,
   * with no gap and no duplicate. Works from any process that shares the storage and the bus.
   */
  events(
    runId: string,
    options: {
      /** Yield events with a `seq` above this (default 0: the whole log). */
      after?: number
      /** Stops following: the iteration ends. */
      signal?: AbortSignal
      /** Live events held for a slow reader before they are dropped and read again from storage (default 1024). */
      maxBuffered?: number
    } = {},
  ): AsyncIterable<RunEvent> {
    return this.#runnerOf().events(runId, options)
  }

  /** Starts executing queued runs in this process (a worker); the in-process queue starts on its own. */
  work(): Promise<void> {
    return this.#runnerOf().work()
  }

  /**
   * Finds runs left `queued` or `running` by a process that stopped and queues them again (they
   * resume from their checkpoint); workers do it on their own. Returns how many it found.
   */
  recoverOrphans(options: { olderThanMs?: number } = {}): Promise<number> {
    return this.#runnerOf().recoverOrphans(options)
  }

  /**
   * Stops taking runs, waits up to `graceMs` (default 10 s) for those executing here, then stops
   * the others at their last checkpoint for another worker; closes the queue and the bus.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    await this.#runner?.close(options)
  }

  /** The runner of submitted runs, created on first use (its storage: the runtime's, or one in memory). */
  #runnerOf(): Runner {
    if (this.#runner !== undefined) return this.#runner
    const queue = this.#queue ?? createInProcessQueue()
    const storage = this.storage ?? createMemoryStorage()
    this.#runner = new Runner({
      storage,
      queue,
      bus: this.#bus ?? createInProcessEventBus(),
      registry: this.runnables,
      find: this.#findRunnable,
      settings: resolveRunnerSettings(this.#runnerSettings, queue),
      startAgent: (request) => launchQueuedAgent(this.#environment, { storage, request }),
      executingHere: (runId) => this.#executing.has(runId),
      observers: this.observers,
    })
    return this.#runner
  }

  /** The registered agents, in registration order (what `agentloop/mcp` serves). */
  get agents(): readonly Agent<unknown, unknown>[] {
    return this.runnables.list().flatMap((entry) => (entry.kind === 'agent' ? [entry.agent] : []))
  }

  /**
   * Continues a stored run from its last checkpoint (needs storage): completed model calls and
   * tool results are not repeated. A tool that started but whose result was not saved runs again
   * only if it is `idempotent`; otherwise the run stops with status `needs_review` until a decision
   * in `approvals` (approve: run it again; reject: tell the model it was not run). A completed run
   * resolves with its stored result.
   */
  async resume<TOutput = unknown>(runId: string, options: ResumeOptions = {}): Promise<RunResult<TOutput>> {
    checkRunOptions(options, 'resume options')
    const storage = this.storage
    if (storage === undefined) {
      throw new ConfigError({
        message: 'resume needs a Runtime created with storage (such as createSqliteStorage({ path })).',
      })
    }
    if (typeof runId !== 'string' || runId === '') {
      throw new ConfigError({ message: 'resume: runId must be a non-empty string.' })
    }
    const checkpoint = await loadCheckpoint(storage, runId)
    if (isRunnableSnapshot(checkpoint.snapshot))
      return this.#runnerOf().resumeRunnable<TOutput>(checkpoint, options)
    return resumeAgentRun<TOutput>(this.#environment, { checkpoint, options, runner: () => this.#runner })
  }

  /** What running a registered runnable with `run`/`stream` uses. */
  #runnableCalls(): RunnableCalls {
    return {
      registry: this.runnables,
      submit: (name, input, options) => this.submit(name, input, options),
      wait: (runId) => this.wait(runId),
      events: (runId) => this.events(runId),
      cancel: (runId) => this.cancel(runId),
    }
  }

  /** Runs the agent to its end and resolves with the result; rejects if it fails or is cancelled. */
  run<TContext, TOutput>(
    agent: Agent<TContext, TOutput>,
    input: RunInput,
    options?: RunOptions<TContext>,
  ): Promise<RunResult<TOutput>>
  /**
   * Runs a registered runnable (a workflow, a step job, a `{ name, run(ctx) }`) as a submitted run
   * and resolves when it ends or pauses (`awaiting_input`); rejects if it fails or is cancelled.
   */
  run<TOutput = unknown, TContext = unknown>(
    // biome-ignore lint/suspicious/noExplicitAny: runnables of any context and output
    runnable: Runnable<any, any> | RunnableSource,
    input: RunInput,
    options?: RunnableRunOptions<TContext>,
  ): Promise<RunResult<TOutput>>
  async run<TContext, TOutput>(
    agent: Agent<TContext, TOutput> | Runnable | RunnableSource,
    input: RunInput,
    options: RunOptions<TContext> | RunnableRunOptions<TContext> = {},
  ): Promise<RunResult<TOutput>> {
    if (isRunnableValue(agent))
      return runRunnable(this.#runnableCalls(), agent, input, options) as Promise<RunResult<TOutput>>
    checkAgent(agent, 'run(agent, input, options)')
    return startRun(this.#environment, {
      agent: agent as Agent<TContext, TOutput>,
      input,
      options: checkRunOptions(options as RunOptions<TContext>, 'run options'),
      delivery: undefined,
    })
  }

  /**
   * Runs the agent and streams its events. Bad input or options throw here, synchronously; a
   * failure during the run ends the stream with `run.end` and rejects `result`.
   */
  stream<TContext, TOutput>(
    agent: Agent<TContext, TOutput>,
    input: RunInput,
    options?: RunOptions<TContext>,
  ): RunStream<TOutput>
  /**
   * Runs a registered runnable as a submitted run and streams its events: the stored log, then
   * live ones, up to its `run.end`. Breaking off early cancels the run.
   */
  stream<TOutput = unknown, TContext = unknown>(
    // biome-ignore lint/suspicious/noExplicitAny: runnables of any context and output
    runnable: Runnable<any, any> | RunnableSource,
    input: RunInput,
    options?: RunnableRunOptions<TContext>,
  ): RunStream<TOutput>
  stream<TContext, TOutput>(
    target: Agent<TContext, TOutput> | Runnable | RunnableSource,
    input: RunInput,
    runOptions: RunOptions<TContext> | RunnableRunOptions<TContext> = {},
  ): RunStream<TOutput> {
    if (isRunnableValue(target))
      return streamRunnable(this.#runnableCalls(), target, input, runOptions) as RunStream<TOutput>
    const agent = target as Agent<TContext, TOutput>
    const options = runOptions as RunOptions<TContext>
    checkAgent(agent, 'stream(agent, input, options)')
    checkRunOptions(options, 'run options')
    return streamRun(this.#environment, { agent, input, options, highWaterMark: this.streamHighWaterMark })
  }

  /** The composed hooks of an agent on this runtime, built once per agent. */
  #hookChain<TContext>(agent: Agent<TContext, unknown>): HookChain<TContext> {
    let chain = this.#hookChains.get(agent) as HookChain<TContext> | undefined
    if (chain === undefined) {
      chain = createHookChain(this.hooks as HooksInput<TContext>, agent.hooks)
      this.#hookChains.set(agent, chain as HookChain<unknown>)
    }
    return chain
  }
}

/** The status type `cancel` resolves with. */
type RunStatusOf = Awaited<ReturnType<Runner['cancel']>>
