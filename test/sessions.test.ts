import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'

// The flow docs/durable-runs.md documents: regenerate an answer through the runtime.
describe('regenerating an answer through the runtime', () => {
  it('opens a branch at the question, answers again with no new input, and keeps the old branch', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({
      name: 'planner',
      model: scriptedModel([{ text: 'first' }, { text: 'second' }]),
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'Plan three days in Lisbon.', { session: 'trip' })
    const before = await storage.sessions.get('trip')
    const answer = (await storage.sessions.entries('trip')).at(-1)
    expect(answer?.message.role).toBe('assistant')

    await storage.sessions.regenerate('trip', answer?.id ?? '')
    const again = await runtime.run(agent, [], { session: 'trip' })
    expect(again.output).toBe('second')

    const messages = await storage.sessions.messages('trip')
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant'])
    expect(JSON.stringify(messages[1])).toContain('second')
    const session = await storage.sessions.get('trip')
    expect(session?.activeBranchId).not.toBe(before?.activeBranchId)
    const branches = await storage.sessions.branches('trip')
    expect(branches.map((branch) => branch.branchId)).toEqual([
      before?.activeBranchId,
      session?.activeBranchId,
    ])
    const old = await storage.sessions.messages('trip', { branchId: before?.activeBranchId })
    expect(JSON.stringify(old)).toContain('first')
    expect(await storage.sessions.get('no-such-session')).toBeNull()
  })
})
