import { errorMessage, isInstanceOf } from '../errors/describe-error.js'
import { ConfigError, type FunctionAttemptFailure, SandboxError } from '../errors/errors.js'
import { formatIssues, type ResolvedSchema } from '../tool/schema.js'
import { parseJson } from '../util/json.js'
import type { FunctionMode, SandboxRunner, SandboxRunOptions } from './function-defaults.js'

/** A post-condition: fails by throwing or by returning a message; returns nothing when it holds. */
export type CheckFunction<TOutput, TInput> = (
  output: TOutput,
  input: TInput,
) => undefined | string | boolean | Promise<undefined | string | boolean> | void | Promise<void>

/** A check, or a named check (the name is what the model and the attempt history see). */
export type Check<TOutput, TInput> =
  | CheckFunction<TOutput, TInput>
  | { name: string; check: CheckFunction<TOutput, TInput> }

/** The outcome of evaluating one answer. */
export interface Evaluation<TOutput> {
  code?: string
  value?: unknown
  output?: TOutput
  failure?: FunctionAttemptFailure
}

const FENCE = /```([a-zA-Z]*)[ \t]*\r?\n([\s\S]*?)```/g

/** The code of a code-mode answer: the first js fence, else the first fence, else the whole text. */
export function extractCode(answer: string): string {
  let first: string | undefined
  for (const match of answer.matchAll(FENCE)) {
    const language = (match[1] ?? '').toLowerCase()
    const body = match[2] ?? ''
    if (['js', 'javascript', 'mjs', 'ts', 'typescript'].includes(language)) return body.trim()
    first ??= body.trim()
  }
  return first ?? answer.trim()
}

/** The JSON text of a JSON-mode answer: the answer, or the body of the code fence around it. */
function extractJson(answer: string): string {
  const trimmed = answer.trim()
  const fenced = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```$/.exec(trimmed)
  return fenced?.[1] ?? trimmed
}

/**
 * Turns a raw answer into a checked output: parse (or run the snippet), validate against the
 * output schema, run each check. Only failures the model can fix are returned as `failure`;
 * anything else (a missing sandbox, cancellation) is thrown.
 */
export async function evaluateAnswer<TOutput, TInput>(options: {
  answer: string
  mode: FunctionMode
  input: TInput
  schema: ResolvedSchema<TOutput>
  checks: readonly Check<TOutput, TInput>[]
  sandbox: SandboxRunner | undefined
  sandboxOptions: SandboxRunOptions | undefined
  signal: AbortSignal | undefined
}): Promise<Evaluation<TOutput>> {
  const evaluation: Evaluation<TOutput> = {}
  if (options.mode === 'json') {
    const parsed = parseJson(extractJson(options.answer))
    if (!parsed.ok) {
      evaluation.failure = { kind: 'parse', message: `the answer is not valid JSON (${parsed.message}).` }
      return evaluation
    }
    evaluation.value = parsed.value
  } else {
    const code = extractCode(options.answer)
    evaluation.code = code
    if (code === '') {
      evaluation.failure = { kind: 'parse', message: 'the answer contains no code.' }
      return evaluation
    }
    const sandbox = options.sandbox as SandboxRunner
    try {
      evaluation.value = await sandbox(code, {
        ...options.sandboxOptions,
        input: options.input,
        signal: options.signal,
      })
    } catch (error) {
      if (!(error instanceof SandboxError)) throw error
      evaluation.failure = {
        kind: 'sandbox',
        sandboxKind: error.kind,
        message: error.message.replace(/^Sandbox: /, ''),
      }
      return evaluation
    }
    if (evaluation.value === undefined) {
      evaluation.failure = {
        kind: 'parse',
        message: 'the code produced no value: assign the output to `result` or `return` it.',
      }
      return evaluation
    }
  }

  const validated = await options.schema.validate(evaluation.value)
  if (!validated.success) {
    evaluation.failure = { kind: 'schema', message: formatIssues(validated.issues), issues: validated.issues }
    return evaluation
  }
  const output = validated.value
  for (const [index, entry] of options.checks.entries()) {
    const check = typeof entry === 'function' ? entry : entry.check
    const name = (typeof entry === 'function' ? entry.name : entry.name) || `checks[${index}]`
    let message: string | undefined
    try {
      const returned = await check(output, options.input)
      if (typeof returned === 'string' && returned !== '') message = returned
      else if (returned === false) message = 'the check returned false'
    } catch (error) {
      if (options.signal?.aborted) throw error
      // A configuration error inside a check is the caller's bug, not the model's.
      if (isInstanceOf(error, ConfigError)) throw error
      message = errorMessage(error)
    }
    if (message !== undefined) {
      evaluation.failure = { kind: 'check', check: name, message }
      return evaluation
    }
  }
  evaluation.output = output
  return evaluation
}
