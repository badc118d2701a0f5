/**
 * What `runtime.wait(runId)` returns for a stored run that ended or paused: the `RunResult` of an
 * agent run rebuilt from its checkpoint, or a runnable's output; a failed or cancelled run rejects
 * with its stored error.
 *
 * @module
 */
import { AgentLoopError, RunCancelledError, RunTimeoutError } from '../errors/errors.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { RunResult } from './run-result.js'
import { activeAgentOf, inputOf } from './run-result.js'
import type { RunState } from './run-state.js'
import { isRunnableSnapshot } from './runnable-journal.js'
import { interruption, pendingCalls } from './tool-phase.js'

/** Turns a stored run's end into a result, or throws its error. */
export async function storedResult<TOutput>(
  checkpoint: RunCheckpoint,
  parseState: (checkpoint: RunCheckpoint) => Promise<RunState>,
): Promise<RunResult<TOutput>> {
  const { record, snapshot } = checkpoint
  const status = record.status
  if (isRunnableSnapshot(snapshot)) {
    if (status === 'failed' || status === 'cancelled') throw storedError(status, snapshot.error, record.runId)
    if (status !== 'completed') throw new AgentLoopError({ message: `Run "${record.runId}" is ${status}.` })
    return {
      runId: record.runId,
      input: snapshot.input,
      status: 'completed',
      output: snapshot.output as TOutput,
      items: [],
      messages: snapshot.input,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
      turns: 0,
      interruptions: [],
      lastAgent: record.agentName,
    }
  }
  const state = await parseState(checkpoint)
  if (status === 'failed' || status === 'cancelled') throw storedError(status, state.error, record.runId)
  const base = {
    runId: state.runId,
    input: inputOf(state),
    items: state.items,
    messages: state.messages,
    usage: state.usage,
    turns: state.turn,
    lastAgent: activeAgentOf(state),
  }
  if (status === 'awaiting_approval' || status === 'needs_review') {
    const waiting = pendingCalls(state.messages).filter((call) => {
      const recorded = state.toolCalls?.[call.callId]?.status
      return recorded === 'approval' || recorded === 'review'
    })
    return { ...base, status, output: undefined, interruptions: waiting.map(interruption) }
  }
  if (status !== 'completed') throw new AgentLoopError({ message: `Run "${record.runId}" is ${status}.` })
  return { ...base, status: 'completed', output: state.output as TOutput, interruptions: [] }
}

/** The stored error of a run as an error to throw: its class for cancellations and timeouts. */
function storedError(
  status: 'failed' | 'cancelled',
  stored: { name: string; message: string } | undefined,
  runId: string,
): AgentLoopError {
  const message = stored?.message ?? `Run "${runId}" ${status}.`
  if (status === 'cancelled' || stored?.name === 'RunCancelledError')
    return new RunCancelledError({ message })
  if (stored?.name === 'RunTimeoutError')
    return Object.assign(new RunTimeoutError({ timeoutMs: 0 }), { message })
  const error = new AgentLoopError({ message })
  if (stored?.name !== undefined) error.name = stored.name
  return error
}
