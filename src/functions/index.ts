/**
 * LLM functions: typed functions whose body is a model, with post-condition checks, retries that
 * feed the failure back to the model, the full attempt history on errors, and a code mode that
 * runs the model's JavaScript in the QuickJS sandbox of `agentloop/sandbox`.
 *
 * @example
 * import { z } from 'zod'
 * import { llmFunction } from 'agentloop/functions'
 *
 * const categorize = llmFunction({
 *   name: 'categorize_text',
 *   instructions: 'Find the category of the text.',
 *   input: z.object({ text: z.string() }),
 *   output: z.object({ category: z.enum(['billing_question', 'technical_support']) }),
 *   model,
 * })
 * const { category } = await categorize({ text: 'I cannot log in.' })
 *
 * @module
 */
export { type Check, type CheckFunction, extractCode } from './evaluate-answer.js'
export {
  configureFunctions,
  type FunctionDefaults,
  type FunctionMode,
  getFunctionDefaults,
  resetFunctionDefaults,
  type SandboxRunner,
  type SandboxRunOptions,
} from './function-defaults.js'
export type { AttemptEndEvent, FunctionEvent, FunctionEventData } from './function-event.js'
export type { FunctionModel } from './function-model.js'
export type { LLMFunctionStream } from './function-stream.js'
export {
  type InputOf,
  type LLMFunction,
  type LLMFunctionCallOptions,
  type LLMFunctionDefinition,
  llmFunction,
} from './llm-function.js'
export type { LLMFunctionResult } from './run-function.js'
