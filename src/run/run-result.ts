import type { RunUsage } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { RunItem } from './run-item.js'
import type { RunState } from './run-state.js'

/** A tool call waiting for a human decision (see durable runs). */
export interface Interruption {
  /** For a call of a nested agent: `<the agent tool call's id>/<the nested call's id>`. */
  callId: string
  toolName: string
  arguments: unknown
  /** Set for a call of a nested agent (`agent.asTool()`): that agent's name, and its run's id. */
  agent?: string
  runId?: string
}

/**
 * Whether each interruption of a paused result waits for an approval or a review, for a caller
 * that nests the run (kept off the result, whose interruptions stay `{ callId, toolName, arguments }`).
 */
export const interruptionKinds = new WeakMap<Interruption, 'approval' | 'review'>()

interface RunResultBase {
  runId: string
  /**
   * What the run was given, as messages: a string input is one user message. With a `session`, the
   * history loaded from it is not included (it is in `messages`). The same after a resume.
   */
  input: Message[]
  /** What this run produced, in order (the input is not repeated here). */
  items: RunItem[]
  /** The whole conversation: the input followed by this run's messages; pass it as the next input to continue. */
  messages: Message[]
  usage: RunUsage
  /** Model calls made. */
  turns: number
  /** The name of the agent that answered last: the run's agent, or the one a handoff passed it to. */
  lastAgent: string
}

/** A run that finished with a final output. */
export interface CompletedRunResult<TOutput> extends RunResultBase {
  status: 'completed'
  output: TOutput
  interruptions: []
}

/** A run that stopped before its final output and can be resumed. */
export interface PausedRunResult extends RunResultBase {
  status: 'awaiting_approval' | 'needs_review'
  output: undefined
  interruptions: Interruption[]
}

/** What `run()` resolves with. Narrow on `status` to get a typed `output`. */
export type RunResult<TOutput = string> = CompletedRunResult<TOutput> | PausedRunResult

/** The agent that answers now in `state`. */
export function activeAgentOf(state: RunState): string {
  return state.activeAgent ?? state.agentName
}

/** The run's own input from its state: the messages after any session history, before the run's own. */
export function inputOf(state: RunState): Message[] {
  return state.messages.slice(state.session?.historyLength ?? 0, state.inputLength)
}
