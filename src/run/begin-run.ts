/**
 * The first step of a run: its model reference resolved and its input turned into messages
 * (after the session's history), then the loop. A failure here ends the run before its first
 * turn: its `run.end` is delivered, and stored only for a submitted run (nothing else ends it).
 *
 * @module
 */
import { ConfigError, describeError } from '../errors/errors.js'
import { isModelReference } from '../model/model-reference.js'
import type { ModelRegistry } from '../model/model-registry.js'
import type { Storage } from '../storage/storage.js'
import type { ActiveRun } from './active-run.js'
import { type RunInput, toMessages } from './run-input.js'
import { runLoop } from './run-loop.js'
import type { RunResult } from './run-result.js'
import { loadSessionHistory } from './session-history.js'
import { pendingCalls } from './tool-phase.js'

/** Validates the input messages, then runs the loop; a bad message ends the run before it starts. */
export async function beginRun<TContext, TOutput>(begin: {
  active: ActiveRun<TContext, TOutput>
  input: RunInput | undefined
  storage: Storage | undefined
  models: ModelRegistry
  /** A submitted run: a failure before it starts is stored (nothing else would end it). */
  queued: boolean
}): Promise<RunResult<TOutput>> {
  const { active, input, storage, models, queued } = begin
  const { state } = active
  try {
    if (isModelReference(active.model)) active.model = await models.resolve(active.model.reference)
    if (input !== undefined) {
      const messages =
        typeof input === 'string' ? [{ role: 'user' as const, content: input }] : await toMessages(input)
      if (state.session !== undefined && storage !== undefined) {
        const history = await loadSessionHistory(
          active as unknown as ActiveRun<unknown, unknown>,
          storage,
          state.session,
        )
        state.messages = [...history, ...messages]
      } else {
        state.messages = messages
      }
      const pending = pendingCalls(state.messages)
      if (pending.length > 0 && active.executeInputToolCalls !== true) {
        throw new ConfigError({
          message: `run input ends with an assistant message whose tool calls have no results (${pending.map((call) => `${call.name} "${call.callId}"`).join(', ')}), and a run does not execute tool calls it did not get from the model. Add their tool messages (role 'tool', with the callId), drop the message, or pass { executeInputToolCalls: true } if you produced this conversation yourself.`,
        })
      }
      state.inputLength = state.messages.length
    }
  } catch (error) {
    state.status = 'failed'
    const runEnd = {
      type: 'run.end' as const,
      status: 'failed' as const,
      error: describeError(error),
      usage: state.usage,
      turns: state.turn,
    }
    // Nothing of the run was stored (or changed, for a resumed run): the end is only delivered.
    if (active.checkpointer !== undefined) await active.checkpointer.finish(state, runEnd, queued)
    else await active.emit(runEnd)
    throw error
  }
  return runLoop(active)
}
