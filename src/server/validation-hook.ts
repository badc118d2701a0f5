import type { Context } from 'hono'
import { HttpError } from './http-error.js'

interface ZodLikeIssue {
  path: readonly PropertyKey[]
  message: string
}

/** Where a request value came from, as a field name prefix. */
const TARGET_PREFIX: Record<string, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
}

/**
 * The `defaultHook` of every route: a request that fails its schema is a 422 naming the field
 * (`body.messages[0].role`) and the schema's complaint, never a 500 and never a silent default.
 */
export function validationHook(
  result: { success: boolean; target?: string; error?: { issues: readonly ZodLikeIssue[] } },
  _context: Context,
): undefined {
  if (result.success) return undefined
  const issue = result.error?.issues[0]
  const field = fieldName(TARGET_PREFIX[result.target ?? ''] ?? 'body', issue?.path ?? [])
  throw new HttpError({
    type: 'invalid_request',
    field,
    message: `${field}: ${issue?.message ?? 'invalid value'}.${(result.error?.issues.length ?? 0) > 1 ? ` (${(result.error?.issues.length ?? 1) - 1} more problem(s) after this one.)` : ''}`,
  })
}

/** `body` + ['messages', 0, 'role'] -> `body.messages[0].role`. */
export function fieldName(prefix: string, path: readonly PropertyKey[]): string {
  let name = prefix
  for (const part of path) name += typeof part === 'number' ? `[${part}]` : `.${String(part)}`
  return name
}
