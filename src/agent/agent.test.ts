import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import type { Model } from '../model/model.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { Agent } from './agent.js'

const echo = tool({
  name: 'echo',
  description: 'Echo',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => text,
})

describe('Agent', () => {
  it('exposes the tools as the model sees them', () => {
    const agent = new Agent({ name: 'a', model: scriptedModel([]), tools: [echo] })
    expect(agent.modelTools).toEqual([
      { name: 'echo', description: 'Echo', parameters: echo.parameters, strict: true },
    ])
    expect(agent.getTool('echo')).toBe(echo)
    expect(agent.toolChoice).toBe('auto')
    expect(agent.parallelToolCalls).toBe(true)
  })

  it('rejects bad configuration with errors naming the field and the fix', () => {
    const model = scriptedModel([])
    expect(() => new Agent({ name: '', model })).toThrow(ConfigError)
    expect(() => new Agent({ name: 'a', model: {} as Model })).toThrow(
      /model must implement the Model interface/,
    )
    expect(() => new Agent({ name: 'a', model, maxTurns: 0 })).toThrow(/maxTurns must be a positive integer/)
    expect(() => new Agent({ name: 'a', model, tools: [echo, echo] })).toThrow(/two tools are named "echo"/)
    expect(() => new Agent({ name: 'a', model, tools: [echo], toolChoice: { name: 'missing' } })).toThrow(
      /toolChoice names "missing"/,
    )
    expect(() => new Agent({ name: 'a', model, toolChoice: 'sometimes' as 'auto' })).toThrow(
      /toolChoice must be/,
    )
  })

  it('resolves an output schema for validation and for the model', async () => {
    const agent = new Agent({ name: 'a', model: scriptedModel([]), output: z.object({ n: z.number() }) })
    expect(agent.outputSpec).toMatchObject({
      name: 'final_output',
      strict: true,
      schema: { required: ['n'] },
    })
    expect(await agent.outputSchema?.validate({ n: 1 })).toEqual({ success: true, value: { n: 1 } })
  })
})
