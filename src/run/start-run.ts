/**
 * Starting a run of an agent: a new run (its options checked, its state created), a stored one
 * continuing, or a submitted one a worker took. The run gets its checkpointer when it has
 * storage, its execution (signal, timeout, `run.end`), and the loop; every start in the runtime
 * (`run`, `stream`, `resume`, nested runs, the runner's jobs) comes through here.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { checkHandoffGraph } from '../agent/resolve-handoffs.js'
import { ConfigError, RunCancelledError, RunTimeoutError } from '../errors/errors.js'
import { startExecution } from '../events/execution.js'
import type { RunEvent, RunEventData } from '../events/run-event.js'
import type { RunObserver } from '../events/run-observer.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { ModelRegistry } from '../model/model-registry.js'
import type { Storage } from '../storage/storage.js'
import type { JsonObject } from '../util/json.js'
import type { ActiveRun, ApprovalDecision } from './active-run.js'
import { beginRun } from './begin-run.js'
import { positiveInteger, positiveMilliseconds } from './check-run-options.js'
import { Checkpointer, type EventSink } from './checkpointer.js'
import type { FindRunnable } from './find-runnable.js'
import { observed } from './observe-runs.js'
import { checkInputKind, type RunInput } from './run-input.js'
import type { RunResult } from './run-result.js'
import type { RunServices } from './run-services.js'
import { createRunState, type RunState } from './run-state.js'
import type { RunPhase } from './run-transitions.js'
import type { RunnableRegistry } from './runnable.js'
import type { RunOptions } from './runtime-options.js'
import { checkpointHooks } from './state-hooks.js'

/** What starting a run needs besides the agent and options. */
export interface Launch {
  state: RunState
  /** The agent the run started with, when a handoff made another one active. */
  entry?: Agent<unknown, unknown>
  /** Converts the input into the state's messages (new runs only). */
  input?: RunInput
  /** A resumed run (or a submitted one): where its stored copy stands. */
  stored?: { revision: number; seq: number; saved: { messages: number; items: number } }
  approvals?: ReadonlyMap<string, ApprovalDecision>
  /** The stored status, when it is not the state's own (`queued` for a submitted run). */
  phase?: RunPhase
  /** The storage of the run, when not the runtime's (submitted runs of a runtime without storage). */
  storage?: Storage
  metadata?: JsonObject | undefined
  /** Whether the runner retries after this error (then the run does not end). */
  willRetry?: (error: unknown) => boolean
  /** Whether anyone watches the run (the bus knows): events between checkpoints are written eagerly only then. */
  watched?: (() => boolean) | undefined
}

/** What starting a run takes from its runtime. */
export interface RunEnvironment {
  storage: Storage | undefined
  models: ModelRegistry
  observers: readonly RunObserver[] | undefined
  toolConcurrency: number
  /** The default `timeoutMs` of every run. */
  timeoutMs: number | undefined
  /** What `resume` can continue, by name (agents a run was handed off to). */
  runnables: RunnableRegistry
  /** The runnable a stored run names: the registry, then `resolveRunnable` (find-runnable.ts). */
  findRunnable: FindRunnable
  services: RunServices
  /** The composed hooks of an agent on this runtime, built once per agent. */
  hookChain<TContext>(agent: Agent<TContext, unknown>): HookChain<TContext>
  /** Durable runs executing in this process (run, stream, resume or the runner): never orphans. */
  executing: Set<string>
}

/** A run to start. */
export interface RunStart<TContext, TOutput> {
  agent: Agent<TContext, TOutput>
  /** A new run's input (none for a stored run). */
  input: RunInput | undefined
  options: RunOptions<TContext>
  /** Where the run's events go (a stream's channel, a caller's sink), besides storage. */
  delivery: EventSink | undefined
  /** Receives the run's cancel function (a stream cancels the run when its consumer stops reading). */
  onCancel?: (cancel: (reason: unknown) => void) => void
  /** A stored run that continues, or the parent of a nested run. */
  resumed?: Launch | { parent: { runId: string; callId: string } }
}

/**
 * Starts the run and returns the promise of its result (rejected if the run fails or is cancelled);
 * bad options or input throw here, synchronously.
 */
export function startRun<TContext, TOutput>(
  env: RunEnvironment,
  start: RunStart<TContext, TOutput>,
): Promise<RunResult<TOutput>> {
  const { agent, input, options, delivery, onCancel, resumed } = start
  const maxTurns =
    options.maxTurns === undefined
      ? agent.maxTurns
      : positiveInteger(options.maxTurns, 0, 'run options: maxTurns')
  const timeoutMs =
    options.timeoutMs === undefined
      ? env.timeoutMs
      : positiveMilliseconds(options.timeoutMs, 'run options: timeoutMs')
  if (options.runId !== undefined && (typeof options.runId !== 'string' || options.runId === '')) {
    throw new ConfigError({ message: 'run options: runId must be a non-empty string.' })
  }
  // Once per agent: the agents its handoffs reach (functions resolved) have distinct names.
  checkHandoffGraph(resumed !== undefined && 'entry' in resumed ? (resumed.entry ?? agent) : agent)
  let launch: Launch
  if (resumed !== undefined && 'state' in resumed) {
    launch = resumed
  } else {
    checkInputKind(input as RunInput)
    if (options.session !== undefined) {
      if (typeof options.session !== 'string' || options.session === '') {
        throw new ConfigError({
          message: 'run options: session must be a non-empty string (a session id).',
        })
      }
      if (env.storage === undefined) {
        throw new ConfigError({
          message: `run options: session "${options.session}" needs a Runtime with storage: new Runtime({ storage }) and runtime.run(...).`,
        })
      }
    }
    const runId = options.runId ?? crypto.randomUUID()
    const state = createRunState({
      runId,
      agentName: agent.name,
      messages: [],
      toolChoice: agent.toolChoice,
    })
    if (options.session !== undefined) state.session = { id: options.session, historyLength: 0 }
    if (resumed !== undefined) state.parent = resumed.parent
    else if (options.parent !== undefined) state.parent = checkParent(options.parent)
    if (options.executeInputToolCalls !== undefined && typeof options.executeInputToolCalls !== 'boolean') {
      throw new ConfigError({
        message: `run options: executeInputToolCalls must be true or false; got ${JSON.stringify(options.executeInputToolCalls)}.`,
      })
    }
    launch = { state, input: input as RunInput }
  }
  const { state } = launch
  const runId = state.runId
  const storage = launch.storage ?? env.storage
  const sink = observed(env.observers, delivery)
  const checkpointer =
    storage === undefined
      ? undefined
      : new Checkpointer({
          storage,
          runId,
          revision: launch.stored?.revision ?? null,
          phase: launch.phase ?? (launch.stored === undefined ? 'new' : state.status),
          seq: launch.stored?.seq ?? 0,
          ...(launch.stored === undefined ? {} : { saved: launch.stored.saved }),
          sink,
          metadata: launch.metadata,
          hooks: checkpointHooks(env.hookChain(agent) as HookChain<unknown>, agent.name, options.context),
          watched: launch.watched,
        })

  const execution = startExecution<RunEventData, RunEvent>({
    owner: (event) => {
      event.runId = runId
    },
    endType: 'run.end',
    deliver: sink,
    signal: options.signal,
    onSignal: cancelledBy,
    timeoutMs,
    onTimeout: timedOut,
  })
  const { cancel } = execution
  onCancel?.(cancel)
  // A durable run's events go through its journal (stored, then delivered); the others straight out.
  const emit = checkpointer !== undefined ? (data: RunEventData) => checkpointer.emit(data) : execution.emit

  const active: ActiveRun<TContext, TOutput> = {
    agent,
    entryAgent: launch.entry ?? agent,
    services: env.services,
    model: agent.model,
    // Only a signal, a timeout or a stream consumer can stop a run midway; without them no race is
    // needed (observers cannot stop a run, so they do not count).
    abortable:
      env.observers === undefined ? execution.abortable : abortable(options.signal, timeoutMs, delivery),
    state,
    context: options.context as TContext,
    signal: execution.signal,
    hooks: env.hookChain(agent),
    instructions: typeof agent.instructions === 'string' ? agent.instructions : undefined,
    maxTurns,
    toolConcurrency: env.toolConcurrency,
    emit,
    checkpointer,
    approvals: launch.approvals,
    resumed: launch.stored !== undefined && launch.input === undefined,
    ...(launch.stored === undefined || launch.input !== undefined
      ? {}
      : { resumedFrom: { revision: launch.stored.revision, status: state.status } }),
    executeInputToolCalls: options.executeInputToolCalls === true,
    willRetry: launch.willRetry,
  }
  const durable = storage !== undefined
  if (durable) env.executing.add(runId)
  const cleanUp = () => {
    execution.dispose()
    if (durable) env.executing.delete(runId)
  }
  const promise = beginRun({
    active,
    input: launch.input,
    storage,
    models: env.models,
    queued: launch.phase === 'queued',
  })
  promise.then(cleanUp, (error: unknown) => {
    cleanUp()
    // A failed run may leave sibling tool calls running: tell them to stop.
    cancel(error)
  })
  return promise
}

function abortable(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  sink: EventSink | undefined,
) {
  return signal !== undefined || timeoutMs !== undefined || sink !== undefined
}

/** A run's end when its caller's signal aborts, and when its timeout passes (shared, not per run). */
const cancelledBy = (reason: unknown) => new RunCancelledError({ cause: reason })
const timedOut = (timeoutMs: number) => new RunTimeoutError({ timeoutMs })

/** Checks the `parent` run option: a workflow run id and node id, both non-empty strings. */
function checkParent(parent: unknown): { runId: string; nodeId: string } {
  const value = parent as { runId?: unknown; nodeId?: unknown } | null
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.runId !== 'string' ||
    value.runId === '' ||
    typeof value.nodeId !== 'string' ||
    value.nodeId === ''
  ) {
    throw new ConfigError({
      message: `run options: parent must be { runId, nodeId } (the workflow run and node this run works for), both non-empty strings; got ${JSON.stringify(parent)}.`,
    })
  }
  return { runId: value.runId, nodeId: value.nodeId }
}
