import { readableError } from '../errors/describe-error.js'
import {
  AgentLoopError,
  ConfigError,
  describeError,
  MaxTurnsExceededError,
  ModelError,
  RunCancelledError,
  ValidationFailedError,
} from '../errors/errors.js'
import type { AssistantMessage, Message, ToolCallPart } from '../messages/message.js'
import type { ModelResponse } from '../model/model-response.js'
import { addUsage } from '../model/usage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import { formatIssues } from '../tool/schema.js'
import { raceAbort } from '../util/abort.js'
import type { JsonValue } from '../util/json.js'
import type { ActiveRun } from './active-run.js'
import { callModel } from './call-model.js'
import { checkFinalOutput } from './final-output.js'
import { takeHandoff } from './handoff-phase.js'
import { activeAgentOf, type Interruption, inputOf, interruptionKinds, type RunResult } from './run-result.js'
import type { RunState } from './run-state.js'
import { applyDecisions, runToolPhase, unansweredCalls } from './tool-phase.js'

/** How many times a final output that fails the schema is sent back to the model. */
const OUTPUT_RETRIES = 1

/**
 * The agent loop: call the model, run the tools it asks for, repeat until a final answer or a
 * limit. Resolves with the result, or rejects after emitting `run.end` with the failure.
 */
export async function runLoop<TContext, TOutput>(
  active: ActiveRun<TContext, TOutput>,
): Promise<RunResult<TOutput>> {
  const run = active as ActiveRun<unknown, TOutput>
  const { state } = run
  await run.emit({
    type: 'run.start',
    agent: run.agent.name,
    model: `${run.model.provider}:${run.model.modelId}`,
    // Only the new input: a session's history is already stored with the session.
    input:
      run.resumed === true ? [] : state.messages.slice(state.session?.historyLength ?? 0, state.inputLength),
    ...(run.resumed === true ? { resumed: true } : {}),
  })
  const from = run.resumedFrom
  if (from !== undefined) {
    await run.emit({
      type: 'checkpoint.load',
      turn: state.turn,
      revision: from.revision,
      status: from.status,
      messages: state.messages.length,
    })
  } else if (state.session !== undefined) {
    await run.emit({
      type: 'session.load',
      sessionId: state.session.id,
      messages: state.session.historyLength,
      headId: state.session.headId ?? null,
    })
  }
  const checkpointer = run.checkpointer
  try {
    if (typeof run.agent.instructions === 'function') {
      run.instructions = await run.agent.instructions({ context: run.context, agentName: run.agent.name })
    }
    if (checkpointer !== undefined) await applyDecisions(run)
    state.status = 'running'
    if (checkpointer !== undefined) await checkpointer.commit(state, 'claim')
    if (from !== undefined && run.hooks.hasState('Resume')) {
      await run.hooks.afterState('Resume', {
        runId: state.runId,
        agentName: state.agentName,
        turn: state.turn,
        context: run.context,
        revision: from.revision,
        status: from.status,
        messages: state.messages.length,
      })
    }
    for (;;) {
      // Tool calls without results: this turn's, or a resumed run's unfinished ones.
      const pending = unansweredCalls(run)
      if (pending.length > 0) {
        const phase = runToolPhase(run, pending)
        const outcome = await (run.abortable ? raceAbort(phase, run.signal) : phase)
        if (outcome.kind === 'paused') return await pause(run, outcome.status, outcome.interruptions)
        // A handoff sets the next agent's tool choice; otherwise the choice may reset to auto.
        if (outcome.handoff !== undefined) await takeHandoff(run, outcome.handoff)
        else if (run.agent.resetToolChoice) state.toolChoice = 'auto'
        await run.emit({ type: 'turn.end', turn: state.turn })
        continue
      }

      if (state.turn >= run.maxTurns) throw new MaxTurnsExceededError({ maxTurns: run.maxTurns })
      state.turn++
      const turn = state.turn
      await run.emit({ type: 'turn.start', turn })
      const response = await (run.abortable ? raceAbort(callModel(run), run.signal) : callModel(run))
      if (response.finishReason === 'length' && response.content.some((part) => part.type === 'tool-call')) {
        // Cut calls never join the conversation, so no resume can ever run them.
        addUsage(state.usage, response.usage)
        state.usage.modelCalls++
        throw new ModelError({
          provider: run.model.provider,
          message: `The model's answer was cut at its output limit while it was writing tool calls, so they were not executed. Raise maxOutputTokens in the agent's modelSettings.`,
        })
      }
      const calls = recordResponse(run, response)

      if (calls.length > 0) {
        if (checkpointer !== undefined) await checkpointer.commit(state, 'model')
        continue
      }

      const text = finalText(response)
      const { outputSchema } = run.agent
      let output: TOutput
      if (outputSchema === undefined) {
        output = text as TOutput
      } else {
        const check = await checkFinalOutput(outputSchema, text)
        if (!check.ok) {
          if (state.outputRetries >= OUTPUT_RETRIES) {
            throw new ValidationFailedError({
              message: `The model's final output does not match the agent's output schema: ${formatIssues(check.issues)}. Make the instructions describe the expected JSON, or relax the schema.`,
              issues: check.issues,
              value: text,
            })
          }
          state.outputRetries++
          state.messages.push({
            role: 'user',
            content: `Your final answer does not match the required JSON schema: ${formatIssues(check.issues)}. Answer again with only the corrected JSON.`,
          })
          await run.emit({ type: 'turn.end', turn })
          if (checkpointer !== undefined) await checkpointer.commit(state, 'model')
          continue
        }
        output = check.value
      }
      await run.emit({ type: 'turn.end', turn })
      state.status = 'completed'
      if (state.session !== undefined && checkpointer !== undefined) {
        // told once the last save below stores the append with the run
        await run.emit({
          type: 'session.append',
          sessionId: state.session.id,
          messages: state.messages.length - state.session.historyLength,
        })
      }
      await run.emit({
        type: 'run.end',
        status: 'completed',
        output: output as JsonValue,
        usage: { ...state.usage },
        turns: state.turn,
      })
      if (checkpointer !== undefined) {
        state.output = output as JsonValue
        const session = state.session
        // The session's new turn is stored with the final checkpoint, atomically: never twice.
        await checkpointer.commit(
          state,
          'complete',
          session === undefined
            ? {}
            : {
                sessionAppend: {
                  sessionId: session.id,
                  messages: state.messages.slice(session.historyLength),
                },
              },
        )
      }
      return completedResult(state, output)
    }
  } catch (caught) {
    // What a tool, hook or model threw may be hostile (a revoked Proxy...): inspect a readable form.
    const thrown = readableError(caught)
    const error = run.signal.aborted && !(thrown instanceof AgentLoopError) ? run.signal.reason : thrown
    if (checkpointer !== undefined && run.willRetry?.(error) === true) {
      // The runner continues the run from its last checkpoint: nothing ends, nothing more is saved.
      await checkpointer.abandon()
      throw error
    }
    state.status = error instanceof RunCancelledError ? 'cancelled' : 'failed'
    delete state.output
    if (state.status === 'failed') {
      await run.hooks.onError({
        runId: state.runId,
        agentName: run.agent.name,
        turn: state.turn,
        context: run.context,
        phase: error instanceof ModelError ? 'model' : 'run',
        error,
      })
    }
    const runEnd = {
      type: 'run.end' as const,
      status: state.status,
      error: describeError(error),
      usage: { ...state.usage },
      turns: state.turn,
    }
    if (checkpointer === undefined) {
      await run.emit(runEnd)
      throw error
    }
    state.error = describeError(error)
    // Keep the failure on record so the run can be inspected or resumed, unless another process
    // owns the run (a conflict): then nothing is written. The run's own error wins.
    const ownedElsewhere =
      error instanceof StorageConflictError ||
      (error instanceof ConfigError && error.cause instanceof StorageConflictError)
    await checkpointer.finish(state, runEnd, !ownedElsewhere)
    throw error
  }
}

/** Stops the run until a human decides: `run.end` with the paused status, saved before it is told. */
async function pause<TOutput>(
  run: ActiveRun<unknown, TOutput>,
  status: 'awaiting_approval' | 'needs_review',
  waiting: (Interruption & { kind: 'approval' | 'review' })[],
): Promise<RunResult<TOutput>> {
  const { state } = run
  await run.emit({ type: 'run.end', status, usage: { ...state.usage }, turns: state.turn })
  await run.checkpointer?.commit(state, 'pause')
  const interruptions = waiting.map(({ kind, ...entry }) => {
    interruptionKinds.set(entry, kind)
    return entry
  })
  return {
    runId: state.runId,
    input: inputOf(state),
    status,
    output: undefined,
    items: state.items,
    messages: state.messages,
    usage: state.usage,
    turns: state.turn,
    interruptions,
    lastAgent: activeAgentOf(state),
  }
}

/** The result of a completed run. */
export function completedResult<TOutput>(state: RunState, output: TOutput): RunResult<TOutput> {
  return {
    runId: state.runId,
    input: inputOf(state),
    status: 'completed',
    output,
    items: state.items,
    messages: state.messages,
    usage: state.usage,
    turns: state.turn,
    interruptions: [],
    lastAgent: activeAgentOf(state),
  }
}

/** Appends the response to the conversation and items; returns its tool calls (ids made unique). */
function recordResponse(run: ActiveRun<unknown, unknown>, response: ModelResponse): ToolCallPart[] {
  const { state } = run
  const turn = state.turn
  addUsage(state.usage, response.usage)
  state.usage.modelCalls++
  const calls: ToolCallPart[] = []
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        if (part.text !== '') state.items.push({ type: 'message', role: 'assistant', text: part.text, turn })
        break
      case 'reasoning':
        state.items.push({ type: 'reasoning', text: part.text, turn })
        break
      case 'tool-call': {
        // Some servers send empty ids, or repeat them within a response or across turns; results
        // and idempotency keys (runId:callId) are matched by id, so make them unique in the run.
        if (run.callIds === undefined) run.callIds = callIdsOf(state.messages)
        const seen = run.callIds
        if (part.callId === '' || seen.has(part.callId)) part.callId = freshCallId(seen, turn, calls.length)
        seen.add(part.callId)
        calls.push(part)
        state.items.push({
          type: 'tool.call',
          callId: part.callId,
          name: part.name,
          arguments: part.arguments,
          turn,
        })
        break
      }
      default:
        part satisfies never
    }
  }
  const message: AssistantMessage = { role: 'assistant', content: response.content }
  state.messages.push(message)
  return calls
}

function finalText(response: ModelResponse): string {
  let text = ''
  for (const part of response.content) if (part.type === 'text') text += part.text
  return text
}

/** Every tool call id in `messages` (a run's ids so far, for a run that resumes or continues). */
function callIdsOf(messages: readonly Message[]): Set<string> {
  const ids = new Set<string>()
  for (const message of messages) {
    if (message.role === 'tool') ids.add(message.callId)
    else if (message.role === 'assistant' && typeof message.content !== 'string') {
      for (const part of message.content) if (part.type === 'tool-call') ids.add(part.callId)
    }
  }
  return ids
}

function freshCallId(seen: ReadonlySet<string>, turn: number, index: number): string {
  let id = `call_${turn}_${index}`
  for (let suffix = 1; seen.has(id); suffix++) id = `call_${turn}_${index}_${suffix}`
  return id
}
