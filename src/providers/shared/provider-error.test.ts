import { describe, expect, it } from 'vitest'
import { ModelError } from '../../errors/errors.js'
import { classifyError, redactSecrets, streamReportedError } from './provider-error.js'

describe('provider errors', () => {
  it('redacts real secrets and key-shaped text, never short placeholder values', () => {
    expect(redactSecrets('key my-long-secret-value in text', ['my-long-secret-value'])).toBe(
      'key [redacted] in text',
    )
    expect(redactSecrets('run: ollama pull llama3.1', ['ollama'])).toBe('run: ollama pull llama3.1')
    expect(redactSecrets('echo sk-proj-abcdefghijkl')).toBe('echo [redacted]')
  })

  it('keeps the provider message and the advice as separate sentences', () => {
    const { error } = classifyError({
      provider: 'openai',
      error: Object.assign(new Error('x'), {
        status: 404,
        error: { message: 'model gone', type: 'invalid_request_error' },
      }),
    })
    expect(error.message).toBe(
      'openai request failed (status 404, invalid_request_error): model gone. Check the model id and the baseURL.',
    )
    expect(error.type).toBe('invalid_request_error')
  })

  it('classifies errors sent inside a stream by their code, type or numeric status', () => {
    expect(
      streamReportedError('x', {
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        message: 'long',
      }),
    ).toMatchObject({
      isRetryable: false,
      code: 'context_length_exceeded',
      type: 'invalid_request_error',
    })
    expect(streamReportedError('x', { type: 'overloaded_error', message: 'busy' })).toMatchObject({
      isRetryable: true,
    })
    expect(streamReportedError('x', { code: 503, message: 'down' })).toMatchObject({
      isRetryable: true,
      statusCode: 503,
    })
    expect(streamReportedError('x', { code: 400, message: 'bad' })).toMatchObject({
      isRetryable: false,
      statusCode: 400,
    })
  })

  it('redacts every field of an existing ModelError and adds the request id it lacked', () => {
    const secret = 'proxy-secret-0123456789'
    const original = new ModelError({
      provider: 'p',
      message: `bad ${secret}`,
      code: `c_${secret}`,
      type: secret,
    })
    const { error } = classifyError({ provider: 'p', error: original, secrets: [secret], requestId: 'req_1' })
    expect(error).toMatchObject({
      code: 'c_[redacted]',
      type: '[redacted]',
      requestId: 'req_1',
      message: 'bad [redacted]',
    })
  })
})
