import { describe, expect, it } from 'vitest'
import { Agent } from '../agent/agent.js'
import { Runtime } from '../run/runtime.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { createAgentCatalog } from './agent-catalog.js'
import { createProviderStore } from './provider-store.js'
import { serverDriver } from './record-store.js'
import { createStoredAgentResolver } from './stored-agents.js'

describe('the stored agents a worker resolves (createStoredAgentResolver)', () => {
  it('builds a stored agent by name, leaves code agents and unknown names alone, and runs it', async () => {
    const storage = createMemoryStorage()
    const echo = () => scriptedModel([{ text: 'stored says hi' }], { provider: 'fixture', modelId: 'echo' })
    const codeAgent = new Agent({ name: 'code', model: echo() })
    // The server side: an agent stored as data.
    const server = new Runtime({ storage, agents: [codeAgent], models: { fixture: echo } })
    const driver = serverDriver(storage)
    const catalog = createAgentCatalog({
      driver,
      runtime: server,
      agents: [codeAgent],
      tools: undefined,
      providers: createProviderStore(driver, undefined),
    })
    await catalog.create({ name: 'helper', instructions: 'Help.', model: 'fixture:echo' }, 'team-a')

    // The worker side: its own runtime on the same storage, the resolver given lazily.
    let worker: Runtime | undefined
    const resolve = createStoredAgentResolver({ runtime: () => worker as Runtime })
    worker = new Runtime({
      storage,
      agents: [codeAgent],
      models: { fixture: echo },
      resolveRunnable: resolve,
    })
    const built = await resolve('helper')
    expect(built).toBeInstanceOf(Agent)
    expect(built?.name).toBe('helper')
    expect(await resolve('code')).toBeUndefined()
    expect(await resolve('nobody')).toBeUndefined()

    // A run submitted by name, which the worker's registry did not have, runs the stored agent.
    const { runId } = await worker.submit('helper', 'hello')
    const result = await worker.wait(runId)
    expect(result).toMatchObject({ status: 'completed', output: 'stored says hi' })
    await worker.close()
  })
})
