import type { HttpError } from './http-error.js'

/** OpenAI's error `type` for each of our error types. */
const OPENAI_TYPES: Record<string, string> = {
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  not_found: 'not_found_error',
  rate_limited: 'rate_limit_error',
  budget_exceeded: 'insufficient_quota',
  internal: 'server_error',
  unavailable: 'server_error',
}

/** An error in OpenAI's shape `{ error: { message, type, param, code } }`, for `/v1` routes. */
export function openAIErrorBody(error: HttpError): {
  error: { message: string; type: string; param: string | null; code: string | null }
} {
  return {
    error: {
      message: error.message,
      type: OPENAI_TYPES[error.type] ?? 'invalid_request_error',
      // body.messages[0].role -> messages[0].role, as OpenAI names params
      param: error.field === undefined ? null : error.field.replace(/^body\./, ''),
      code: error.type,
    },
  }
}
