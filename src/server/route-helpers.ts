/**
 * Pieces every route definition shares: the error schema and responses, JSON bodies, security.
 *
 * @module
 */
import { z } from 'zod'
import { ERROR_TYPES } from './http-error.js'

/** The error body every failing route answers with. */
export const ErrorSchema = z
  .object({
    error: z.object({
      type: z.enum(Object.keys(ERROR_TYPES) as [keyof typeof ERROR_TYPES, ...(keyof typeof ERROR_TYPES)[]]),
      message: z.string(),
      field: z.string().optional().describe('For 422: the field that failed, such as body.messages[0].role'),
    }),
  })
  .meta({ id: 'Error' })

const described: Record<number, string> = {
  400: 'Malformed JSON',
  401: 'Missing, unknown, revoked or expired API key',
  403: 'The key lacks the scope this route needs',
  404: 'No such object (or not yours)',
  409: 'The object changed or exists already',
  413: 'Body over the size limit',
  415: 'Body is not application/json',
  422: 'A field failed validation; error.field names it',
  429: 'Rate, concurrency or budget limit reached (type rate_limited or budget_exceeded); Retry-After says when to retry',
}

/** Error responses of a route, by status. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: described[status] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  )
}

/** The errors any authenticated route may answer. */
export const AUTH_ERRORS = [401, 403, 429] as const

/** A JSON response. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } }
}

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { 'application/json': { schema } } } }
}

/** Security requirement of authenticated routes. */
export const BEARER = [{ bearer: [] }]

/** A path identifier: 1–200 visible characters. */
export const Id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'visible ASCII characters only')

/** A run's own token budget: input plus output tokens of all its model calls, resumes included. */
export const MaxTokens = z
  .number()
  .int()
  .min(1)
  .max(1_000_000_000)
  .describe(
    'The run’s token budget (input + output of all its model calls); a call that would exceed it is refused',
  )

/** A name (agents, providers): letters, digits, `.`, `_`, `-`, 1–64 characters. */
export const Name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, . _ - (1 to 64, starting with a letter or digit)',
  )
