/**
 * Agent tools inside the run loop: a call of `agent.asTool()` runs the agent as a nested run of
 * this one. Its id is `<this run's id>/<the call's id>`, so a resumed run finds it in storage and
 * continues it instead of starting it again. Its events are forwarded into this run's stream
 * (`nested.event`), its usage is added to this run's when it completes, and when it pauses for
 * decisions this call waits too: the decisions come through this run's resume and are passed on.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { AGENT_TOOL, type AgentTool, type AgentToolArguments } from '../agent/agent-tool-marker.js'
import { describeError } from '../errors/describe-error.js'
import { AgentLoopError, ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { ToolCallPart } from '../messages/message.js'
import { addUsage } from '../model/usage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import { toText } from '../util/json.js'
import type { ActiveRun } from './active-run.js'
import { interruptionKinds } from './run-result.js'
import type { NestedWaiting } from './run-state.js'

/** How an agent tool's call ended: a result for the model, or waiting on its nested run's calls. */
export type NestedOutcome =
  | { kind: 'done'; output: string; isError: boolean }
  | { kind: 'paused'; runId: string; agent: string; waiting: NestedWaiting[] }

/** The id of the nested run of `callId` in run `runId`. */
export function nestedRunId(runId: string, callId: string): string {
  return `${runId}/${callId}`
}

/** Runs (or continues) the nested run of an agent tool call. */
export async function runAgentTool(
  run: ActiveRun<unknown, unknown>,
  agentTool: AgentTool<unknown>,
  call: ToolCallPart,
  args: unknown,
): Promise<NestedOutcome> {
  const { state } = run
  const agent = agentTool[AGENT_TOOL] as Agent<unknown, unknown>
  const runId = nestedRunId(state.runId, call.callId)
  const turn = state.turn
  const forward = (event: RunEvent) => {
    // A nested run's own nested events travel as one event with the longer path.
    const inner = event.type === 'nested.event' ? event : undefined
    return run.emit({
      type: 'nested.event',
      turn,
      callId: call.callId,
      path: inner === undefined ? [agent.name] : [agent.name, ...inner.path],
      event: inner === undefined ? event : inner.event,
    })
  }
  let result: Awaited<ReturnType<typeof run.services.runNested>>
  try {
    result = await run.services.runNested({
      agent,
      runId,
      input: (args as AgentToolArguments).input,
      context: run.context,
      signal: run.signal,
      sink: forward,
      parent: { runId: state.runId, callId: call.callId },
      approvals: state.toolCalls?.[call.callId]?.nested?.decisions ?? [],
    })
  } catch (error) {
    // The caller was cancelled or timed out: that is not the nested agent's failure.
    if (run.signal.aborted) throw run.signal.reason
    // A configuration problem (approvals without storage...) or another process owning the run
    // is for the caller to fix, not for the model.
    if (error instanceof ConfigError || error instanceof StorageConflictError) throw error
    const { message } = describeError(error)
    const name = error instanceof AgentLoopError ? `${error.name}: ` : ''
    return { kind: 'done', output: `Error: agent "${agent.name}" failed: ${name}${message}`, isError: true }
  }
  if (result.status !== 'completed') {
    const fallback = result.status === 'needs_review' ? 'review' : 'approval'
    return {
      kind: 'paused',
      runId,
      agent: agent.name,
      waiting: result.interruptions.map((entry) => ({
        callId: `${call.callId}/${entry.callId}`,
        toolName: entry.toolName,
        arguments: entry.arguments,
        kind: interruptionKinds.get(entry) ?? fallback,
        agent: entry.agent ?? agent.name,
        runId: entry.runId ?? runId,
      })),
    }
  }
  // The nested run's whole usage, once: it joins this run's state with the call's result.
  addUsage(state.usage, result.usage)
  state.usage.modelCalls += result.usage.modelCalls
  state.usage.toolCalls += result.usage.toolCalls
  return { kind: 'done', output: toText(result.output), isError: false }
}
