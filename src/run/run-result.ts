import type { RunUsage } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { JsonValue } from '../util/json.js'
import type { RunItem } from './run-item.js'
import type { RunState } from './run-state.js'

/** A tool call waiting for a human decision (see durable runs). */
export interface Interruption {
  callId: string
  toolName: string
  arguments: unknown
}

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
}

/** A run that finished with a final output. */
export interface CompletedRunResult<TOutput> extends RunResultBase {
  status: 'completed'
  output: TOutput
  interruptions: []
}

/**
 * A run that stopped before its final output and can be resumed: an agent's tool calls wait for
 * decisions (`interruptions`), or a runnable (a workflow) waits for input (`request`).
 */
export interface PausedRunResult extends RunResultBase {
  status: 'awaiting_approval' | 'needs_review' | 'awaiting_input'
  output: undefined
  interruptions: Interruption[]
  /** What a paused runnable asks (`ctx.pause(request)`); answer with `runtime.resume(runId, { input })`. */
  request?: JsonValue
}

/** What `run()` resolves with. Narrow on `status` to get a typed `output`. */
export type RunResult<TOutput = string> = CompletedRunResult<TOutput> | PausedRunResult

/** The run's own input from its state: the messages after any session history, before the run's own. */
export function inputOf(state: RunState): Message[] {
  return state.messages.slice(state.session?.historyLength ?? 0, state.inputLength)
}
