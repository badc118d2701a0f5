/**
 * Handoffs inside the run loop: answering the `transfer_to_<name>` calls of a turn (the first one
 * is taken, the others are told they were ignored), switching the run to the next agent, and the
 * conversation that agent sees when an input filter trims it.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import type { Handoff } from '../agent/handoff.js'
import { ConfigError } from '../errors/errors.js'
import type { Message, ToolCallPart, ToolMessage } from '../messages/message.js'
import type { ActiveRun } from './active-run.js'
import { moveToolCall } from './run-transitions.js'

/** A handoff the model took in the current turn. */
export interface TakenHandoff {
  callId: string
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output
  handoff: Handoff<Agent<any, any>>
}

/**
 * The first handoff call of `calls` (in the order the model made them), if any: the one the run
 * takes. Deterministic, so a resumed turn takes the same one.
 */
export function firstHandoff(
  run: ActiveRun<unknown, unknown>,
  calls: readonly ToolCallPart[],
): TakenHandoff | undefined {
  for (const call of calls) {
    const found = run.agent.getHandoff(call.name)
    if (found !== undefined) return { callId: call.callId, handoff: found }
  }
  return undefined
}

/**
 * Answers the handoff calls of a turn that have no result yet: the taken one with the transfer,
 * the others with an error saying only the first handoff of a turn is taken. Their results are
 * recorded as done (durable runs), saved with the turn's next checkpoint.
 */
export async function answerHandoffCalls(
  run: ActiveRun<unknown, unknown>,
  calls: readonly ToolCallPart[],
  taken: TakenHandoff,
): Promise<Map<string, ToolMessage>> {
  const { state } = run
  const results = new Map<string, ToolMessage>()
  for (const call of calls) {
    const isTaken = call.callId === taken.callId
    const content = isTaken
      ? `Transferred to agent "${taken.handoff.agent.name}"; it answers from now on.`
      : `Error: only the first handoff of a turn is taken; this one was ignored (the conversation went to agent "${taken.handoff.agent.name}").`
    await run.emit({
      type: 'tool.start',
      turn: state.turn,
      callId: call.callId,
      toolName: call.name,
      arguments: {},
    })
    await run.emit({
      type: 'tool.end',
      turn: state.turn,
      callId: call.callId,
      toolName: call.name,
      output: content,
      isError: !isTaken,
      durationMs: 0,
    })
    const message: ToolMessage = { role: 'tool', callId: call.callId, toolName: call.name, content }
    if (!isTaken) message.isError = true
    if (state.toolCalls !== undefined) {
      moveToolCall(state.toolCalls, call.callId, 'finish', {
        idempotencyKey: `${state.runId}:${call.callId}`,
        result: message,
      })
    }
    results.set(call.callId, message)
  }
  return results
}

/**
 * Continues the run with the handoff's agent: records the handoff (the state now names the active
 * agent), switches the agent, its model, hooks and instructions, and saves the state before the
 * `agent.handoff` event is told. Called once the turn's tool results are in the conversation.
 */
export async function takeHandoff(run: ActiveRun<unknown, unknown>, taken: TakenHandoff): Promise<void> {
  const { state } = run
  const from = run.agent
  const to = taken.handoff.agent as Agent<unknown, unknown>
  state.handoffs = [
    ...(state.handoffs ?? []),
    { from: from.name, to: to.name, callId: taken.callId, turn: state.turn, at: state.messages.length },
  ]
  state.activeAgent = to.name
  state.toolChoice = to.toolChoice
  await activateAgent(run, to)
  await run.emit({
    type: 'agent.handoff',
    turn: state.turn,
    callId: taken.callId,
    from: from.name,
    to: to.name,
  })
  if (run.checkpointer !== undefined) await run.checkpointer.commit(state, 'handoff')
}

/** Makes `agent` the run's active agent: its model, hooks and instructions. */
export async function activateAgent(
  run: ActiveRun<unknown, unknown>,
  agent: Agent<unknown, unknown>,
): Promise<void> {
  run.agent = agent
  run.model = await run.services.modelOf(agent)
  run.hooks = run.services.hooksOf(agent)
  run.instructions =
    typeof agent.instructions === 'function'
      ? await agent.instructions({ context: run.context, agentName: agent.name })
      : agent.instructions
  // Compaction strategies remember per agent what they did; the next agent starts afresh.
  delete run.compactionMemo
}

/**
 * The messages the active agent's model gets: the run's conversation, or, after a handoff with
 * an input filter, the filtered conversation up to the last such handoff followed by what came
 * after it. The filters run once per process (a resumed run runs them again).
 */
export function requestMessages(run: ActiveRun<unknown, unknown>): Message[] {
  const { state } = run
  const records = state.handoffs
  if (records === undefined) return state.messages.slice()
  if (run.view === undefined || run.view.handoffs !== records.length) {
    let view: Message[] | undefined
    let upTo = 0
    for (const record of records) {
      const filter = findAgent(run.entryAgent, record.from)?.handoffs.find(
        (entry) => entry.agent.name === record.to,
      )?.inputFilter
      if (filter === undefined) {
        if (view !== undefined) {
          view = [...view, ...state.messages.slice(upTo, record.at)]
          upTo = record.at
        }
        continue
      }
      const messages = [...(view ?? []), ...state.messages.slice(view === undefined ? 0 : upTo, record.at)]
      const filtered = filter({ messages, from: record.from, to: record.to })
      if (!Array.isArray(filtered)) {
        throw new ConfigError({
          message: `The inputFilter of the handoff from "${record.from}" to "${record.to}" returned ${filtered === null ? 'null' : typeof filtered}; it must return an array of messages.`,
        })
      }
      view = filtered
      upTo = record.at
    }
    run.view = { handoffs: records.length, upTo, messages: view }
  }
  const { messages, upTo } = run.view
  return messages === undefined ? state.messages.slice() : [...messages, ...state.messages.slice(upTo)]
}

/**
 * The agent named `name` among `entry` and the agents reachable from it through handoffs (names
 * are unique there: `new Agent` checks it).
 */
// biome-ignore lint/suspicious/noExplicitAny: agents of any context and output
export function findAgent(entry: Agent<any, any>, name: string): Agent<unknown, unknown> | undefined {
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output
  const seen = new Set<Agent<any, any>>([entry])
  const queue = [entry]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (next.name === name) return next
    for (const { agent } of next.handoffs) {
      if (seen.has(agent)) continue
      seen.add(agent)
      queue.push(agent)
    }
  }
  return undefined
}
