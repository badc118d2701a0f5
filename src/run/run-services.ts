import type { Agent } from '../agent/agent.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { Model } from '../model/model.js'
import type { ApprovalDecision } from './active-run.js'
import type { EventSink } from './checkpointer.js'
import type { RunResult } from './run-result.js'

/**
 * What a runtime lends each of its runs beyond the run's own agent: the hooks and model of the
 * agent a handoff passes the run to, and nested runs for agent tools. Internal to the run loop.
 */
export interface RunServices {
  /** The runtime's hooks composed with `agent`'s. */
  hooksOf(agent: Agent<unknown, unknown>): HookChain<unknown>
  /** `agent`'s model, its model reference resolved. */
  modelOf(agent: Agent<unknown, unknown>): Promise<Model>
  /**
   * Runs `agent` as the nested run `runId` of an agent tool call: starts it, or (with storage)
   * continues it when it is stored, passing on the `approvals` that name calls it waits on.
   */
  runNested(request: NestedRunRequest): Promise<RunResult<unknown>>
}

/** A nested run to start or continue. */
export interface NestedRunRequest {
  agent: Agent<unknown, unknown>
  runId: string
  input: string
  context: unknown
  /** The caller's signal: cancelling the caller cancels the nested run. */
  signal: AbortSignal
  /** Where the nested run's events go (the caller forwards them into its own stream). */
  sink: EventSink
  parent: { runId: string; callId: string }
  approvals: readonly ApprovalDecision[]
}
