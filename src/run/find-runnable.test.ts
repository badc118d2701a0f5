import { describe, expect, it } from 'vitest'
import { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { createRunnableFinder } from './find-runnable.js'
import { createRunnableRegistry } from './runnable.js'
import { Runtime } from './runtime.js'

const agent = (name: string, text = 'ok') => new Agent({ name, model: scriptedModel([{ text }]) })

describe('finding the runnable a run names (resolveRunnable)', () => {
  it('uses the registry, then the resolver, whose answer is registered', async () => {
    const registry = createRunnableRegistry('test')
    const local = agent('local')
    registry.register(local)
    const asked: string[] = []
    const stored = agent('stored')
    const find = createRunnableFinder(registry, (name) => {
      asked.push(name)
      return name === 'stored' ? stored : undefined
    })
    expect(await find('local')).toMatchObject({ kind: 'agent', agent: local })
    expect(await find('stored')).toMatchObject({ kind: 'agent', agent: stored })
    expect(registry.get('stored')).toMatchObject({ agent: stored })
    expect(await find('unknown')).toBeUndefined()
    // never asked for a name registered in code
    expect(asked).toEqual(['stored', 'unknown'])
  })

  it('asks again for a name it resolved: a changed definition replaces the registered one', async () => {
    const registry = createRunnableRegistry('test')
    let current = agent('stored', 'first')
    const find = createRunnableFinder(registry, () => current)
    const first = await find('stored')
    expect(await find('stored')).toBe(first)
    current = agent('stored', 'second')
    expect(await find('stored')).toMatchObject({ agent: current })
    expect(registry.list()).toHaveLength(1)
  })

  it('refuses a runnable of another name, and a resolver that is not a function', async () => {
    const find = createRunnableFinder(createRunnableRegistry('test'), () => agent('other'))
    await expect(find('stored')).rejects.toThrow(ConfigError)
    await expect(find('stored')).rejects.toThrow(/returned a runnable named "other"/)
    expect(() => new Runtime({ resolveRunnable: 'nope' as never })).toThrow(
      /resolveRunnable must be a function/,
    )
  })
})
