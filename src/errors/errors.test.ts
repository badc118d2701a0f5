import { describe, expect, it } from 'vitest'
import {
  AgentLoopError,
  ConfigError,
  describeError,
  MaxTurnsExceededError,
  ModelError,
  RunTimeoutError,
  ToolError,
} from './errors.js'

describe('errors', () => {
  it('share one root, name themselves after their class and keep the cause', () => {
    const cause = new Error('socket closed')
    const error = new ModelError({
      provider: 'openai',
      statusCode: 503,
      isRetryable: true,
      message: 'unavailable',
      cause,
    })
    expect(error).toBeInstanceOf(AgentLoopError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ModelError')
    expect(error.cause).toBe(cause)
    expect(error).toMatchObject({ provider: 'openai', statusCode: 503, isRetryable: true })
    expect(new ConfigError({ message: 'x' }).name).toBe('ConfigError')
    expect(new ToolError({ message: 'x', toolName: 't', callId: 'c' })).toBeInstanceOf(AgentLoopError)
  })

  it('say what to do', () => {
    expect(new MaxTurnsExceededError({ maxTurns: 3 }).message).toMatch(/Raise maxTurns/)
    expect(new RunTimeoutError({ timeoutMs: 10 }).message).toMatch(/Raise timeoutMs/)
  })

  it('describe anything thrown as JSON-safe name and message', () => {
    expect(describeError(new TypeError('bad'))).toEqual({ name: 'TypeError', message: 'bad' })
    expect(describeError('plain')).toEqual({ name: 'Error', message: 'plain' })
    expect(describeError({ code: 1 })).toEqual({ name: 'Error', message: '{"code":1}' })
  })
})
