/**
 * The runtime: what is shared across runs (hooks, limits, and later storage, tracing and the model
 * registry). `run()` and `stream()` use a default runtime; create your own to configure it.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { ConfigError, describeError, RunCancelledError, RunTimeoutError } from '../errors/errors.js'
import { createEventChannel } from '../events/event-channel.js'
import type { RunEvent, RunEventData } from '../events/run-event.js'
import { createHookChain, type HookChain, type HooksInput } from '../hooks/hook-chain.js'
import { isModelReference } from '../model/model-reference.js'
import {
  createModelRegistry,
  getDefaultModelRegistry,
  type ModelFactory,
  type ModelRegistry,
} from '../model/model-registry.js'
import type { ActiveRun } from './active-run.js'
import { checkInputKind, type RunInput, toMessages } from './run-input.js'
import { runLoop } from './run-loop.js'
import type { RunResult } from './run-result.js'
import { createRunState } from './run-state.js'
import type { RunStream } from './run-stream.js'

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
   * How agents' model references (`model: 'openai:gpt-4o'`) resolve: a registry, or factories by
   * provider prefix added to the built-in ones (default: the built-in providers, configured from
   * environment variables).
   */
  models?: ModelRegistry | Record<string, ModelFactory>
}

type EventSink = (event: RunEvent) => Promise<void> | undefined

/** Runs agents. Holds what runs share; safe to use for any number of concurrent runs. */
export class Runtime {
  readonly hooks: HooksInput<unknown>
  readonly toolConcurrency: number
  readonly timeoutMs: number | undefined
  readonly streamHighWaterMark: number
  /** Resolves agents' model references. */
  readonly models: ModelRegistry
  readonly #hookChains = new WeakMap<object, HookChain<unknown>>()

  constructor(options: RuntimeOptions = {}) {
    this.hooks = options.hooks
    this.toolConcurrency = positiveInteger(options.toolConcurrency, 8, 'Runtime: toolConcurrency')
    this.timeoutMs =
      options.timeoutMs === undefined ? undefined : positive(options.timeoutMs, 'Runtime: timeoutMs')
    this.streamHighWaterMark = positiveInteger(
      options.streamHighWaterMark,
      64,
      'Runtime: streamHighWaterMark',
    )
    this.models = modelRegistryOf(options.models)
  }

  /** Runs the agent to its end and resolves with the result; rejects if it fails or is cancelled. */
  async run<TContext, TOutput>(
    agent: Agent<TContext, TOutput>,
    input: RunInput,
    options: RunOptions<TContext> = {},
  ): Promise<RunResult<TOutput>> {
    return this.#start(agent, input, options, undefined)
  }

  /**
   * Runs the agent and streams its events. Bad input or options throw here, synchronously; a
   * failure during the run ends the stream with `run.end` and rejects `result`.
   */
  stream<TContext, TOutput>(
    agent: Agent<TContext, TOutput>,
    input: RunInput,
    options: RunOptions<TContext> = {},
  ): RunStream<TOutput> {
    const channel = createEventChannel<RunEvent>({
      highWaterMark: this.streamHighWaterMark,
      onAbandon: () => abandon(),
    })
    let abandon = () => {}
    const runId = options.runId ?? crypto.randomUUID()
    const result = this.#start(
      agent,
      input,
      { ...options, runId },
      (event) => channel.push(event),
      (cancel) => {
        abandon = () =>
          cancel(
            new RunCancelledError({
              message: 'The run was cancelled because its stream consumer stopped reading.',
            }),
          )
      },
    )
    result.then(
      () => channel.close(),
      () => channel.close(),
    )
    let iterating = false
    return {
      runId,
      get result() {
        // Awaiting the result without consuming the events must not stall the run.
        if (!iterating) channel.unbound()
        return result
      },
      [Symbol.asyncIterator]: () => {
        iterating = true
        return channel[Symbol.asyncIterator]()
      },
    }
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

  #start<TContext, TOutput>(
    agent: Agent<TContext, TOutput>,
    input: RunInput,
    options: RunOptions<TContext>,
    sink: EventSink | undefined,
    onCancel?: (cancel: (reason: unknown) => void) => void,
  ): Promise<RunResult<TOutput>> {
    const maxTurns =
      options.maxTurns === undefined
        ? agent.maxTurns
        : positiveInteger(options.maxTurns, 0, 'run options: maxTurns')
    const timeoutMs =
      options.timeoutMs === undefined ? this.timeoutMs : positive(options.timeoutMs, 'run options: timeoutMs')
    if (options.runId !== undefined && (typeof options.runId !== 'string' || options.runId === '')) {
      throw new ConfigError({ message: 'run options: runId must be a non-empty string.' })
    }
    checkInputKind(input)
    const runId = options.runId ?? crypto.randomUUID()
    const state = createRunState({ runId, agentName: agent.name, messages: [], toolChoice: agent.toolChoice })

    const controller = new AbortController()
    const cancel = (reason: unknown) => {
      if (!controller.signal.aborted) controller.abort(reason)
    }
    onCancel?.(cancel)
    const userSignal = options.signal
    const onUserAbort = () => cancel(new RunCancelledError({ cause: userSignal?.reason }))
    if (userSignal?.aborted) onUserAbort()
    else userSignal?.addEventListener('abort', onUserAbort, { once: true })
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => cancel(new RunTimeoutError({ timeoutMs })), timeoutMs)

    let seq = 0
    let ended = false
    const emit = (data: RunEventData): Promise<void> | undefined => {
      if (ended) return undefined
      if (data.type === 'run.end') ended = true
      // Stamped in place: every call site passes a fresh object literal, so no copy is needed.
      const event = data as RunEvent
      event.runId = runId
      event.seq = ++seq
      event.time = Date.now()
      return sink?.(event)
    }

    // Only a signal, a timeout or a stream consumer can stop a run midway; without them no race is needed.
    const abortable = userSignal !== undefined || timer !== undefined || sink !== undefined
    const active: ActiveRun<TContext, TOutput> = {
      agent,
      model: agent.model,
      abortable,
      state,
      context: options.context as TContext,
      signal: controller.signal,
      hooks: this.#hookChain(agent),
      instructions: typeof agent.instructions === 'string' ? agent.instructions : undefined,
      maxTurns,
      toolConcurrency: this.toolConcurrency,
      emit,
    }
    const cleanUp = () => {
      if (timer !== undefined) clearTimeout(timer)
      userSignal?.removeEventListener('abort', onUserAbort)
    }
    const promise = begin(active, input, this.models)
    promise.then(cleanUp, (error: unknown) => {
      cleanUp()
      // A failed run may leave sibling tool calls running: tell them to stop.
      cancel(error)
    })
    return promise
  }
}

/** Validates the input messages, then runs the loop; a bad message ends the run before it starts. */
async function begin<TContext, TOutput>(
  active: ActiveRun<TContext, TOutput>,
  input: RunInput,
  models: ModelRegistry,
): Promise<RunResult<TOutput>> {
  const { state } = active
  try {
    state.messages = typeof input === 'string' ? [{ role: 'user', content: input }] : await toMessages(input)
    if (isModelReference(active.model)) active.model = await models.resolve(active.model.reference)
  } catch (error) {
    state.status = 'failed'
    await active.emit({
      type: 'run.end',
      status: 'failed',
      error: describeError(error),
      usage: state.usage,
      turns: 0,
    })
    throw error
  }
  state.inputLength = state.messages.length
  return runLoop(active)
}

function modelRegistryOf(models: RuntimeOptions['models']): ModelRegistry {
  if (models === undefined) return getDefaultModelRegistry()
  const registry = models as ModelRegistry
  if (typeof registry.resolve === 'function' && typeof registry.register === 'function') return registry
  return createModelRegistry({ providers: models as Record<string, ModelFactory> })
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError({ message: `${field} must be a positive integer; got ${String(value)}.` })
  }
  return value
}

function positive(value: number, field: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError({
      message: `${field} must be a positive number of milliseconds; got ${String(value)}.`,
    })
  }
  return value
}
