/**
 * Continuing a stored agent run (`runtime.resume`, or a nested run whose caller resumes): the
 * agent that was active found (after a handoff), the decisions on its waiting calls checked and
 * the resume hooks asked before anything stored changes, then the run started again from its
 * checkpoint.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import type { ApprovalDecision } from './active-run.js'
import type { EventSink } from './checkpointer.js'
import { findAgent } from './handoff-phase.js'
import { type LoadedRun, loadCheckpoint, loadRun } from './load-run.js'
import { waitsForDecision } from './nested-decisions.js'
import { completedResult } from './run-loop.js'
import { activeAgentOf, type RunResult } from './run-result.js'
import type { NestedRunRequest } from './run-services.js'
import type { RunState } from './run-state.js'
import type { RegisteredRunnable, RunnableRegistry } from './runnable.js'
import type { Runner } from './runner.js'
import type { ResumeOptions } from './runtime-options.js'
import { type Launch, type RunEnvironment, startRun } from './start-run.js'
import { vetoResume } from './state-hooks.js'
import { checkDecisions } from './tool-phase.js'

/** A loaded run to continue. */
export interface Continuation<TOutput> {
  /** The agent the run started with. */
  entry: Agent<unknown, TOutput>
  loaded: LoadedRun
  options: ResumeOptions
  decisions: readonly ApprovalDecision[]
  /** Where the run's events go, besides storage. */
  sink?: EventSink | undefined
  /** Drops the decisions on calls the run does not wait for (a nested run gets all its caller stored). */
  dropStale?: boolean
}

/**
 * `runtime.resume` of an agent's run (storage given, the checkpoint loaded): its agent found
 * among the runtime's, then the run continued; its events reach the runner's watchers when the
 * runtime has a runner.
 */
export async function resumeAgentRun<TOutput>(
  env: RunEnvironment,
  resume: {
    checkpoint: RunCheckpoint
    options: ResumeOptions
    /** The runtime's runner, if it has one by now. */
    runner(): Pick<Runner, 'forget' | 'publish'> | undefined
  },
): Promise<RunResult<TOutput>> {
  const { checkpoint, options } = resume
  const { runId } = checkpoint.record
  if (options.input !== undefined) {
    throw new ConfigError({
      message: `resume: run "${runId}" is an agent's run; input answers a runnable paused with awaiting_input. Decide its tool calls with { approvals }.`,
    })
  }
  const loaded = await loadRun(env.storage as Storage, checkpoint)
  const registered = await env.findRunnable(loaded.state.agentName)
  if (registered?.kind !== 'agent') {
    const agents = env.runnables
      .list()
      .filter((entry): entry is Extract<RegisteredRunnable, { kind: 'agent' }> => entry.kind === 'agent')
      .map((entry) => entry.name)
    throw new ConfigError({
      message: `resume: run "${runId}" belongs to agent "${loaded.state.agentName}", which is not among this runtime's agents (${agents.join(', ') || 'none'}). Pass it in new Runtime({ agents: [...] }).`,
    })
  }
  // Watchers of the run (runtime.events) see a resumed run's events when the runner is in use.
  const runner = resume.runner()
  runner?.forget(runId)
  const sink: EventSink | undefined =
    runner === undefined
      ? undefined
      : (event) => {
          runner.publish(runId, event)
          return undefined
        }
  return continueRun(env, {
    entry: registered.agent as Agent<unknown, TOutput>,
    loaded,
    options,
    decisions: options.approvals ?? [],
    ...(sink === undefined ? {} : { sink }),
  })
}

/** Continues a loaded run of `entry` (the agent it started with) with the agent that was active. */
export async function continueRun<TOutput>(
  env: RunEnvironment,
  continuation: Continuation<TOutput>,
): Promise<RunResult<TOutput>> {
  const { entry, loaded, options } = continuation
  const { state } = loaded
  if (state.status === 'completed') return completedResult(state, state.output as TOutput)
  const agent = activeAgent(env.runnables, entry, state)
  const approvals = new Map<string, ApprovalDecision>()
  for (const [index, decision] of continuation.decisions.entries()) {
    if (typeof decision?.callId !== 'string' || typeof decision.approve !== 'boolean') {
      throw new ConfigError({
        message: `resume: approvals[${index}] must be { callId, approve: true | false, message? }.`,
      })
    }
    // A nested run is given the decisions its caller stored: those it already applied are done.
    if (continuation.dropStale === true && !waitsForDecision(state, decision.callId)) continue
    approvals.set(decision.callId, decision)
  }
  // Checked before the run is claimed: a bad decision, or a hook's veto, changes nothing stored.
  checkDecisions(state, approvals)
  await vetoResume(env.hookChain(agent) as HookChain<unknown>, {
    runId: state.runId,
    agentName: state.agentName,
    turn: state.turn,
    context: options.context,
    revision: loaded.stored.revision,
    status: state.status,
    messages: state.messages.length,
  })
  const launch: Launch = { state, approvals, stored: loaded.stored, entry }
  return startRun(env, {
    agent,
    input: undefined,
    options,
    delivery: continuation.sink,
    resumed: launch,
  })
}

/** Starts the nested run of an agent tool call, or continues it when it is stored. */
export async function runNested(env: RunEnvironment, request: NestedRunRequest): Promise<RunResult<unknown>> {
  const options = { context: request.context, signal: request.signal }
  const { storage } = env
  if (storage !== undefined && (await storage.runs.get(request.runId)) !== null) {
    const loaded = await loadRun(storage, await loadCheckpoint(storage, request.runId))
    return continueRun(env, {
      entry: request.agent,
      loaded,
      options,
      decisions: request.approvals,
      sink: request.sink,
      dropStale: true,
    })
  }
  return startRun(env, {
    agent: request.agent,
    input: request.input,
    options: { ...options, runId: request.runId },
    delivery: request.sink,
    resumed: { parent: request.parent },
  })
}

/**
 * The agent that continues a run of `entry`: the one active at its last checkpoint (after a
 * handoff), found among the agents `entry` reaches through handoffs, else among the registered ones.
 */
export function activeAgent<TOutput>(
  runnables: RunnableRegistry,
  entry: Agent<unknown, TOutput>,
  state: RunState,
): Agent<unknown, TOutput> {
  const activeName = activeAgentOf(state)
  if (activeName === entry.name) return entry
  const registered = runnables.get(activeName)
  const agent = findAgent(entry, activeName) ?? (registered?.kind === 'agent' ? registered.agent : undefined)
  if (agent === undefined) {
    throw new ConfigError({
      message: `resume: run "${state.runId}" was handed off to agent "${activeName}", which agent "${entry.name}" does not reach through its handoffs and which is not among this runtime's agents. Pass it in new Runtime({ agents: [...] }).`,
    })
  }
  return agent as Agent<unknown, TOutput>
}
