import type { RunStatus, RunUsage } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { ToolChoice } from '../model/model-request.js'
import type { RunItem } from './run-item.js'

/**
 * Everything a run has done so far, as plain JSON: what a checkpoint saves and a resume loads.
 * The run context is not part of it (it holds secrets and is given again on resume).
 */
export interface RunState {
  /** The format version of this snapshot. */
  version: 1
  runId: string
  agentName: string
  status: RunStatus
  /** Model calls made so far. */
  turn: number
  /** The whole conversation: input first, then what the run added. */
  messages: Message[]
  /** How many of `messages` were the run's input. */
  inputLength: number
  items: RunItem[]
  usage: RunUsage
  /** The tool choice for the next model call (reset to `auto` after tool calls when the agent says so). */
  toolChoice: ToolChoice
  /** Final outputs that failed validation and were sent back to the model. */
  outputRetries: number
}

/** A fresh state for a run starting from `messages`. */
export function createRunState(options: {
  runId: string
  agentName: string
  messages: Message[]
  toolChoice: ToolChoice
}): RunState {
  return {
    version: 1,
    runId: options.runId,
    agentName: options.agentName,
    status: 'running',
    turn: 0,
    messages: options.messages,
    inputLength: options.messages.length,
    items: [],
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
    toolChoice: options.toolChoice,
    outputRetries: 0,
  }
}
