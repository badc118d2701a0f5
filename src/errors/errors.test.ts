import { describe, expect, it } from 'vitest'
import { errorMessage, isInstanceOf, readableError } from './describe-error.js'
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

describe('describeError on hostile values', () => {
  it('never throws, whatever was thrown', () => {
    const cyclic = Object.create(null) as Record<string, unknown>
    cyclic.self = cyclic
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    const badMessage = new Error('x')
    Object.defineProperty(badMessage, 'message', {
      get() {
        throw new Error('boom')
      },
    })
    const badName = new RangeError('kept')
    Object.defineProperty(badName, 'name', {
      get() {
        throw new Error('boom')
      },
    })
    expect(describeError(cyclic)).toEqual({ name: 'Error', message: 'a value that could not be read' })
    expect(describeError(proxy)).toEqual({ name: 'Error', message: 'a value that could not be read' })
    expect(describeError(badMessage)).toEqual({ name: 'Error', message: 'a value that could not be read' })
    expect(describeError(badName)).toEqual({ name: 'Error', message: 'kept' })
    expect(describeError(undefined)).toEqual({ name: 'Error', message: 'undefined' })
    expect(describeError(Symbol('s'))).toEqual({ name: 'Error', message: 'Symbol(s)' })
    expect(describeError(10n)).toEqual({ name: 'Error', message: '10' })
    expect(errorMessage(new TypeError('plain'))).toBe('plain')
  })

  it('checks instanceof without throwing on a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    expect(isInstanceOf(proxy, Error)).toBe(false)
    expect(isInstanceOf(new ToolError({ message: 'x', toolName: 't', callId: 'c' }), AgentLoopError)).toBe(
      true,
    )
  })

  it('hands on readable thrown values as they are, and wraps unreadable ones', () => {
    const plain = new TypeError('fine')
    expect(readableError(plain)).toBe(plain)
    expect(readableError('text')).toBe('text')
    const cyclic = Object.create(null) as Record<string, unknown>
    cyclic.self = cyclic
    expect(readableError(cyclic)).toBe(cyclic)
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    const wrapped = readableError(proxy) as Error
    expect(wrapped).toBeInstanceOf(Error)
    expect(wrapped.message).toBe('a value that could not be read')
    expect(wrapped.cause).toBe(proxy)
  })
})
