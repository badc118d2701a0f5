import type { FunctionAttemptFailure } from '../errors/errors.js'
import type { JsonSchema } from '../model/model-request.js'
import { toText } from '../util/json.js'
import type { FunctionMode } from './function-defaults.js'

/** What the prompt is built from. */
export interface PromptParts {
  name: string
  instructions: string
  mode: FunctionMode
  input: unknown
  outputSchema: JsonSchema
  examples: readonly { input: unknown; output: unknown }[]
  /** Names of host functions the snippet may await (code mode). */
  functionNames: readonly string[]
}

/** The system instructions: the function's role, its answer format, then the caller's instructions. */
export function buildInstructions(parts: PromptParts): string {
  const role =
    parts.mode === 'json'
      ? `You are the body of the function "${parts.name}". You receive its input as JSON and answer with its output: one JSON value matching the output schema, and nothing else.`
      : `You are the body of the function "${parts.name}". You receive its input as JSON and answer with a short JavaScript snippet that computes its output.`
  return `${role}\n\n${parts.instructions.trim()}`
}

/** The first user message: input, output schema, examples and the answer format. */
export function buildTask(parts: PromptParts): string {
  const sections = [
    `Input (JSON):\n${toText(parts.input)}`,
    `Output JSON Schema:\n${JSON.stringify(parts.outputSchema)}`,
  ]
  if (parts.examples.length > 0) {
    sections.push(
      `Examples:\n${parts.examples
        .map((example) => `Input: ${toText(example.input)}\nOutput: ${toText(example.output)}`)
        .join('\n\n')}`,
    )
  }
  sections.push(answerFormat(parts))
  return sections.join('\n\n')
}

function answerFormat(parts: PromptParts): string {
  if (parts.mode === 'json') {
    return 'Answer with the output only: one JSON value that matches the output schema, no prose, no code fence.'
  }
  const granted =
    parts.functionNames.length > 0
      ? ` You may \`await\` these host functions: ${parts.functionNames.map((name) => `${name}(...)`).join(', ')}.`
      : ''
  return `Answer with a short JavaScript snippet in one \`\`\`js block. The input is in the variable \`input\`; assign the output to \`result\` (or \`return\` it). The output must match the output schema. Plain JavaScript (ES2023) only: no imports, no network, no timers, no Node.js or browser APIs; top-level \`await\` works.${granted}`
}

/** The message telling the model why its answer was rejected, so the next attempt can fix it. */
export function buildFeedback(failure: FunctionAttemptFailure, mode: FunctionMode): string {
  const reason = describeFailure(failure)
  const again =
    mode === 'json'
      ? 'Answer again with one corrected JSON value matching the output schema.'
      : 'Answer again with one corrected ```js snippet that assigns the output to `result`.'
  return `Your answer was rejected: ${reason}\n\n${again}`
}

/** A one-paragraph description of a failure, naming the field or check. */
export function describeFailure(failure: FunctionAttemptFailure): string {
  switch (failure.kind) {
    case 'parse':
      return failure.message
    case 'schema':
      return `it does not match the output schema: ${failure.message}`
    case 'check':
      return `check "${failure.check ?? 'check'}" failed: ${failure.message}`
    case 'sandbox':
      return `the code failed in the sandbox (${failure.sandboxKind ?? 'error'}): ${failure.message}`
    default:
      return failure.kind satisfies never
  }
}
