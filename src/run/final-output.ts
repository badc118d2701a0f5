import type { ValidationIssue } from '../errors/errors.js'
import type { ResolvedSchema } from '../tool/schema.js'
import { parseJson } from '../util/json.js'

/** The outcome of checking a final answer against the agent's output schema. */
export type FinalOutputCheck<TOutput> =
  | { ok: true; value: TOutput }
  | { ok: false; issues: ValidationIssue[] }

const FENCED = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```$/

/** Parses the model's final text as JSON (a surrounding code fence is tolerated) and validates it. */
export async function checkFinalOutput<TOutput>(
  schema: ResolvedSchema<TOutput>,
  text: string,
): Promise<FinalOutputCheck<TOutput>> {
  const trimmed = text.trim()
  const body = FENCED.exec(trimmed)?.[1] ?? trimmed
  const parsed = parseJson(body)
  if (!parsed.ok) {
    return { ok: false, issues: [{ path: [], message: `the answer is not valid JSON (${parsed.message})` }] }
  }
  const validated = await schema.validate(parsed.value)
  return validated.success ? { ok: true, value: validated.value } : { ok: false, issues: validated.issues }
}
