import { readableError } from '../errors/describe-error.js'
import {
  AgentLoopError,
  describeError,
  MaxTurnsExceededError,
  ModelError,
  RunCancelledError,
  ValidationFailedError,
} from '../errors/errors.js'
import type { AssistantMessage, ToolCallPart } from '../messages/message.js'
import type { ModelResponse } from '../model/model-response.js'
import { addUsage } from '../model/usage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import { formatIssues } from '../tool/schema.js'
import { raceAbort } from '../util/abort.js'
import type { JsonValue } from '../util/json.js'
import type { ActiveRun } from './active-run.js'
import { callModel } from './call-model.js'
import { checkFinalOutput } from './final-output.js'
import { type Interruption, inputOf, type RunResult } from './run-result.js'
import type { RunState } from './run-state.js'
import { runToolPhase, unansweredCalls } from './tool-phase.js'

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
  const { state, agent } = run
  const model = run.model
  await run.emit({
    type: 'run.start',
    agent: agent.name,
    model: `${model.provider}:${model.modelId}`,
    input: run.resumed === true ? [] : state.messages.slice(0, state.inputLength),
    ...(run.resumed === true ? { resumed: true } : {}),
  })
  try {
    if (typeof agent.instructions === 'function') {
      run.instructions = await agent.instructions({ context: run.context, agentName: agent.name })
    }
    state.status = 'running'
    if (run.checkpointer !== undefined) await run.checkpointer.save(state, 'start', run.emit)
    for (;;) {
      // Tool calls without results: this turn's, or a resumed run's unfinished ones.
      const pending = unansweredCalls(run)
      if (pending.length > 0) {
        const phase = runToolPhase(run, pending)
        const outcome = await (run.abortable ? raceAbort(phase, run.signal) : phase)
        if (outcome.kind === 'paused') return await pause(run, outcome.status, outcome.interruptions)
        if (agent.resetToolChoice) state.toolChoice = 'auto'
        await run.emit({ type: 'turn.end', turn: state.turn })
        continue
      }

      if (state.turn >= run.maxTurns) throw new MaxTurnsExceededError({ maxTurns: run.maxTurns })
      state.turn++
      const turn = state.turn
      await run.emit({ type: 'turn.start', turn })
      const response = await (run.abortable ? raceAbort(callModel(run), run.signal) : callModel(run))
      const calls = recordResponse(run, response)

      if (calls.length > 0) {
        if (response.finishReason === 'length') {
          throw new ModelError({
            provider: model.provider,
            message: `The model's answer was cut at its output limit while it was writing tool calls, so they were not executed. Raise maxOutputTokens in the agent's modelSettings.`,
          })
        }
        if (run.checkpointer !== undefined) await run.checkpointer.save(state, 'model', run.emit)
        continue
      }

      const text = finalText(response)
      let output: TOutput
      if (agent.outputSchema === undefined) {
        output = text as TOutput
      } else {
        const check = await checkFinalOutput(agent.outputSchema, text)
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
          if (run.checkpointer !== undefined) await run.checkpointer.save(state, 'model', run.emit)
          await run.emit({ type: 'turn.end', turn })
          continue
        }
        output = check.value
      }
      if (state.session !== undefined && run.checkpointer !== undefined) {
        await run.checkpointer.storage.sessions.append(
          state.session.id,
          state.messages.slice(state.session.historyLength),
        )
      }
      await run.emit({ type: 'turn.end', turn })
      state.status = 'completed'
      if (run.checkpointer !== undefined) state.output = output as JsonValue
      await run.emit({
        type: 'run.end',
        status: 'completed',
        output: output as JsonValue,
        usage: { ...state.usage },
        turns: state.turn,
      })
      if (run.checkpointer !== undefined) await run.checkpointer.save(state, 'end', run.emit)
      return completedResult(state, output)
    }
  } catch (caught) {
    // What a tool, hook or model threw may be hostile (a revoked Proxy...): inspect a readable form.
    const thrown = readableError(caught)
    const error = run.signal.aborted && !(thrown instanceof AgentLoopError) ? run.signal.reason : thrown
    state.status = error instanceof RunCancelledError ? 'cancelled' : 'failed'
    if (state.status === 'failed') {
      await run.hooks.onError({
        runId: state.runId,
        agentName: agent.name,
        turn: state.turn,
        context: run.context,
        phase: error instanceof ModelError ? 'model' : 'run',
        error,
      })
    }
    await run.emit({
      type: 'run.end',
      status: state.status,
      error: describeError(error),
      usage: { ...state.usage },
      turns: state.turn,
    })
    if (run.checkpointer !== undefined && !(error instanceof StorageConflictError)) {
      state.error = describeError(error)
      // Keep the failure on record so the run can be inspected or resumed; the run's own error wins.
      await run.checkpointer.save(state, 'end', run.emit).catch(() => undefined)
    }
    throw error
  }
}

/** Stops the run until a human decides: checkpointed, `run.end` with the paused status. */
async function pause<TOutput>(
  run: ActiveRun<unknown, TOutput>,
  status: 'awaiting_approval' | 'needs_review',
  interruptions: Interruption[],
): Promise<RunResult<TOutput>> {
  const { state } = run
  await run.emit({ type: 'run.end', status, usage: { ...state.usage }, turns: state.turn })
  await run.checkpointer?.save(state, 'pause', run.emit)
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
  }
}

/** Appends the response to the conversation and items; returns its tool calls (ids made unique). */
function recordResponse(run: ActiveRun<unknown, unknown>, response: ModelResponse): ToolCallPart[] {
  const { state } = run
  const turn = state.turn
  addUsage(state.usage, response.usage)
  state.usage.modelCalls++
  const calls: ToolCallPart[] = []
  let seen: Set<string> | undefined
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        if (part.text !== '') state.items.push({ type: 'message', role: 'assistant', text: part.text, turn })
        break
      case 'reasoning':
        state.items.push({ type: 'reasoning', text: part.text, turn })
        break
      case 'tool-call': {
        seen ??= new Set()
        // Some servers send empty or repeated ids; results are matched by id, so make them unique.
        if (part.callId === '' || seen.has(part.callId)) part.callId = `call_${turn}_${calls.length}`
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
