import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { run, stream } from './run.js'
import { Runtime } from './runtime.js'

const model = () => scriptedModel([{ text: 'ok' }])

/** The ConfigError a call throws (synchronously or as a rejection). */
async function configError(call: () => unknown): Promise<string> {
  try {
    await call()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('unknown option keys get "did you mean"', () => {
  it('in new Agent(...)', async () => {
    const options = (extra: object) => ({ name: 'a', model: model(), ...extra }) as never
    expect(await configError(() => new Agent(options({ instruction: 'Be brief.' })))).toMatch(
      /Agent "a": unknown option "instruction". Did you mean "instructions"\?/,
    )
    expect(await configError(() => new Agent(options({ tool: [] })))).toMatch(
      /"tool". Did you mean "tools"\?/,
    )
    expect(await configError(() => new Agent(options({ maxTurn: 3 })))).toMatch(
      /"maxTurn". Did you mean "maxTurns"\?/,
    )
  })

  it('in the agent context and modelSettings options', async () => {
    expect(
      await configError(
        () => new Agent({ name: 'a', model: model(), context: { maxTokens: 1000 } as never }),
      ),
    ).toMatch(/Agent "a": context: unknown option "maxTokens". Did you mean "maxInputTokens"\?/)
    expect(
      await configError(
        () => new Agent({ name: 'a', model: model(), modelSettings: { max_tokens: 10 } as never }),
      ),
    ).toMatch(/Agent "a": modelSettings: unknown option "max_tokens". Did you mean "maxOutputTokens"\?/)
  })

  it('in run and stream options, and in new Runtime(...)', async () => {
    const agent = new Agent({ name: 'a', model: model() })
    expect(await configError(() => run(agent, 'hi', { contxt: {} } as never))).toMatch(
      /run options: unknown option "contxt". Did you mean "context"\?/,
    )
    expect(await configError(() => stream(agent, 'hi', { timeout: 5 } as never))).toMatch(
      /run options: unknown option "timeout". Did you mean "timeoutMs"\?/,
    )
    expect(await configError(() => new Runtime({ store: {} } as never))).toMatch(
      /new Runtime\(options\): unknown option "store". Did you mean "storage"\?/,
    )
    expect(await configError(() => new Runtime().resume('r', { approval: [] } as never))).toMatch(
      /resume options: unknown option "approval". Did you mean "approvals"\?/,
    )
  })
})

describe('wrong values get a ConfigError naming what was given', () => {
  it('rejects a missing or plain-object agent', async () => {
    expect(await configError(() => run(undefined as never, 'hi'))).toMatch(
      /run\(agent, input, options\): the first argument must be an Agent; got undefined/,
    )
    expect(
      await configError(() => run({ name: 'a', model: model(), instructions: 'x' } as never, 'hi')),
    ).toMatch(/got an object. Create it with new Agent\(\{ name, model, ... \}\)/)
    expect(await configError(() => stream(null as never, 'hi'))).toMatch(
      /the first argument must be an Agent; got null/,
    )
  })

  it('says the type of a maxTurns given as a string', async () => {
    expect(await configError(() => new Agent({ name: 'a', model: model(), maxTurns: '5' as never }))).toMatch(
      /maxTurns must be a positive integer; got the string "5"/,
    )
    const agent = new Agent({ name: 'a', model: model() })
    expect(await configError(() => run(agent, 'hi', { maxTurns: '5' as never }))).toMatch(
      /run options: maxTurns must be a positive integer; got the string "5"/,
    )
  })

  it('rejects a signal that is not an AbortSignal, from stream() too (never a TypeError)', async () => {
    const agent = new Agent({ name: 'a', model: model() })
    expect(await configError(() => run(agent, 'hi', { signal: {} as never }))).toMatch(
      /run options: signal must be an AbortSignal .*; got an object/,
    )
    expect(await configError(() => stream(agent, 'hi', { signal: 'abc' as never }))).toMatch(
      /signal must be an AbortSignal .*; got the string "abc"/,
    )
    const result = await run(agent, 'hi', { signal: new AbortController().signal })
    expect(result.output).toBe('ok')
  })
})

describe('tool parameters are always an object schema', () => {
  const definition = { name: 't', description: 'd', execute: () => 1 }
  it('rejects a zod schema, a JSON Schema or anything else that is not an object', async () => {
    expect(await configError(() => tool({ ...definition, parameters: z.string() }))).toMatch(
      /tool "t": parameters must describe an object .* such as z.object\(\{ ... \}\); got a schema of type "string"/,
    )
    expect(
      await configError(() => tool({ ...definition, parameters: { type: 'array', items: {} } })),
    ).toMatch(/parameters must describe an object .*got a schema of type "array"/)
    expect(await configError(() => tool({ ...definition, parameters: z.array(z.number()) }))).toMatch(
      /type "array"/,
    )
  })

  it('accepts object schemas given as zod, JSON Schema or a list', () => {
    expect(tool({ ...definition, parameters: z.object({ a: z.number() }) }).parameters.type).toBe('object')
    expect(tool({ ...definition, parameters: { type: 'object', properties: {} } }).parameters.type).toBe(
      'object',
    )
    expect(tool({ ...definition, parameters: [{ name: 'a', type: 'number' }] }).parameters.type).toBe(
      'object',
    )
  })
})
