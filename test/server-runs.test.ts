import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, createMemoryStorage, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ADMIN_KEY, startServer, type TestServer } from './support/server.js'
import { eventsOf, readSse } from './support/sse.js'

const refund = tool({
  name: 'refund',
  description: 'Refund an order',
  parameters: z.object({ order: z.string() }),
  needsApproval: true,
  execute: ({ order }) => `refunded ${order}`,
})

async function waitForStatus(request: TestServer['request'], runId: string, statuses: string[]) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const run = await (await request(`/api/runs/${runId}`)).json()
    if (statuses.includes(run.status)) return run
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`run ${runId} never reached ${statuses.join('/')}`)
}

function longText(words: number): string {
  return Array.from({ length: words }, (_, index) => `word${index}`).join(' ')
}

describe('server: runs', () => {
  it('submits a run (202 + Location), gets it with its output, lists with filters and cursor pages', async () => {
    const model = scriptedModel([{ text: 'one' }, { text: 'two' }, { text: 'three' }])
    const agent = new Agent({ name: 'echo', model })
    const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
    const { request } = await startServer({ runtime })
    const ids: string[] = []
    for (const input of ['a', 'b', 'c']) {
      const submitted = await request('/api/runs', { json: { agent: 'echo', input } })
      expect(submitted.status).toBe(202)
      const { runId } = await submitted.json()
      expect(submitted.headers.get('Location')).toBe(`/api/runs/${runId}`)
      ids.push(runId)
      expect(await waitForStatus(request, runId, ['completed'])).toMatchObject({
        agent: 'echo',
        status: 'completed',
        output: expect.any(String),
      })
    }
    const page1 = await (await request('/api/runs?limit=2&status=completed&agent=echo')).json()
    expect(page1.runs.map((run: { runId: string }) => run.runId)).toEqual([ids[2], ids[1]])
    const page2 = await (
      await request(`/api/runs?limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`)
    ).json()
    expect(page2.runs.map((run: { runId: string }) => run.runId)).toEqual([ids[0]])
    expect(page2.nextCursor).toBeNull()
    expect((await (await request('/api/runs?status=failed')).json()).runs).toEqual([])
    expect((await request('/api/runs/nope')).status).toBe(404)
    expect((await request('/api/runs', { json: { agent: 'nobody', input: 'x' } })).status).toBe(404)
    expect((await request('/api/runs', { json: { agent: 'echo', input: 42 } })).status).toBe(422)
    expect((await request('/api/runs?status=sleeping')).status).toBe(422)
  })

  it('runs a stored agent by name through the runner (registered on the runtime on first use)', async () => {
    const model = scriptedModel([{ text: 'stored answer' }])
    const runtime = new Runtime({ storage: createMemoryStorage(), models: { test: () => model } })
    const { request } = await startServer({ runtime })
    const created = await request('/api/agents', {
      json: { name: 'kept', instructions: 'Be brief.', model: 'test:m' },
    })
    expect(created.status).toBe(201)
    const { runId } = await (await request('/api/runs', { json: { agent: 'kept', input: 'hi' } })).json()
    expect(await waitForStatus(request, runId, ['completed'])).toMatchObject({
      agent: 'kept',
      output: 'stored answer',
    })
    expect(model.requests[0]?.instructions).toBe('Be brief.')
    expect(runtime.runnables.get('kept')?.kind).toBe('agent')
  })

  it("lists and reaches only the key owner's runs (404 for another owner's), admin sees all", async () => {
    const model = scriptedModel([{ text: 'mine' }, { text: 'two' }, { text: 'three' }])
    const runtime = new Runtime({
      storage: createMemoryStorage(),
      agents: [new Agent({ name: 'echo', model })],
    })
    const { request } = await startServer({ runtime })
    const keyOf = async (owner: string) =>
      (await (await request('/api/keys', { json: { owner, scopes: ['run'] } })).json()).key as string
    const alice = await keyOf('alice')
    const bob = await keyOf('bob')
    const { runId } = await (
      await request('/api/runs', { key: alice, json: { agent: 'echo', input: 'x' } })
    ).json()
    await waitForStatus(request, runId, ['completed'])
    expect((await request(`/api/runs/${runId}`, { key: bob })).status).toBe(404)
    expect((await request(`/api/runs/${runId}/events`, { key: bob })).status).toBe(404)
    expect((await request(`/api/runs/${runId}/cancel`, { key: bob, method: 'POST' })).status).toBe(404)
    expect((await (await request('/api/runs', { key: bob })).json()).runs).toEqual([])
    expect(
      (await (await request('/api/runs', { key: alice })).json()).runs.map(
        (run: { runId: string }) => run.runId,
      ),
    ).toEqual([runId])
    expect((await request(`/api/runs/${runId}`)).status).toBe(200)
    // the owner's listing pages by cursor and filters
    const more: string[] = []
    for (const input of ['y', 'z']) {
      const submitted = await (
        await request('/api/runs', { key: alice, json: { agent: 'echo', input } })
      ).json()
      await waitForStatus(request, submitted.runId, ['completed'])
      more.push(submitted.runId)
    }
    const first = await (await request('/api/runs?limit=2', { key: alice })).json()
    expect(first.runs.map((run: { runId: string }) => run.runId)).toEqual([more[1], more[0]])
    const second = await (
      await request(`/api/runs?limit=2&cursor=${first.nextCursor}`, { key: alice })
    ).json()
    expect(second.runs.map((run: { runId: string }) => run.runId)).toEqual([runId])
    expect(second.nextCursor).toBeNull()
    expect((await (await request('/api/runs?status=failed', { key: alice })).json()).runs).toEqual([])
  })

  it('cancels a run, and continues a paused run after approvals (422 for an unknown call, 409 when not paused)', async () => {
    const model = scriptedModel([
      { delayMs: 10_000, text: 'never' },
      { toolCalls: [{ name: 'refund', arguments: { order: 'A1' }, callId: 'call_r' }] },
      { text: 'Refunded.' },
    ])
    const agent = new Agent({ name: 'support', model, tools: [refund] })
    const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
    const { request } = await startServer({ runtime })
    const slow = await (await request('/api/runs', { json: { agent: 'support', input: 'slow' } })).json()
    await waitForStatus(request, slow.runId, ['running'])
    const cancelled = await request(`/api/runs/${slow.runId}/cancel`, { method: 'POST' })
    expect(cancelled.status).toBe(200)
    expect(await waitForStatus(request, slow.runId, ['cancelled'])).toMatchObject({
      error: { name: 'RunCancelledError' },
    })
    const paused = await (
      await request('/api/runs', { json: { agent: 'support', input: 'refund A1' } })
    ).json()
    const run = await waitForStatus(request, paused.runId, ['awaiting_approval'])
    expect(run.interruptions).toEqual([{ callId: 'call_r', toolName: 'refund', arguments: { order: 'A1' } }])
    const wrong = await request(`/api/runs/${paused.runId}/approvals`, {
      json: { approvals: [{ callId: 'nope', approve: true }] },
    })
    expect(wrong.status).toBe(422)
    expect((await wrong.json()).error.field).toBe('body.approvals[0].callId')
    const approved = await request(`/api/runs/${paused.runId}/approvals`, {
      json: { approvals: [{ callId: 'call_r', approve: true }] },
    })
    expect(approved.status).toBe(202)
    expect(await waitForStatus(request, paused.runId, ['completed'])).toMatchObject({ output: 'Refunded.' })
    const again = await request(`/api/runs/${paused.runId}/approvals`, {
      json: { approvals: [{ callId: 'call_r', approve: true }] },
    })
    expect(again.status).toBe(409)
  })
})

describe('server: run events over SSE', () => {
  it('streams every event with id = seq up to run.end, and resumes after Last-Event-ID k with k+1… (no gap, no duplicate)', async () => {
    const model = scriptedModel([{ text: longText(40), delayMs: 50 }], { chunkSize: 6 })
    const runtime = new Runtime({
      storage: createMemoryStorage(),
      agents: [new Agent({ name: 'talker', model })],
    })
    const { request } = await startServer({ runtime })
    const { runId } = await (await request('/api/runs', { json: { agent: 'talker', input: 'talk' } })).json()
    const abort = new AbortController()
    const first = await readSse(await request(`/api/runs/${runId}/events`, { signal: abort.signal }), {
      abort,
      until: (_message, all) => eventsOf(all).length === 7,
    })
    const before = eventsOf(first)
    expect(before.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    for (const event of before) expect(event.id).toBe(String(event.seq))
    const k = before.at(-1)?.seq as number
    // the disconnect did not cancel the run
    const rest = eventsOf(
      await readSse(await request(`/api/runs/${runId}/events`, { headers: { 'Last-Event-ID': String(k) } })),
    )
    expect(rest[0]?.seq).toBe(k + 1)
    const all = [...before, ...rest]
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1))
    expect(all.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
    // ?after= does the same, and a finished run replays from its stored log and ends
    const replay = eventsOf(await readSse(await request(`/api/runs/${runId}/events?after=${all.length - 2}`)))
    expect(replay.map((event) => event.seq)).toEqual([all.length - 1, all.length])
    expect((await request(`/api/runs/${runId}/events`, { headers: { 'Last-Event-ID': 'abc' } })).status).toBe(
      422,
    )
  })

  it('sends keep-alive comments, and cancels on disconnect only with cancelOnDisconnect=true', async () => {
    const model = scriptedModel([
      { delayMs: 400, text: 'late' },
      { delayMs: 5_000, text: 'never' },
    ])
    const runtime = new Runtime({
      storage: createMemoryStorage(),
      agents: [new Agent({ name: 'slow', model })],
    })
    const { request } = await startServer({ runtime, sseKeepAliveMs: 50 })
    const kept = await (await request('/api/runs', { json: { agent: 'slow', input: 'a' } })).json()
    const abort = new AbortController()
    const messages = await readSse(
      await request(`/api/runs/${kept.runId}/events`, { signal: abort.signal }),
      {
        abort,
        until: (message) => message.comment === 'keep-alive',
      },
    )
    expect(messages.some((message) => message.comment === 'keep-alive')).toBe(true)
    expect((await waitForStatus(request, kept.runId, ['completed'])).output).toBe('late')
    const doomed = await (await request('/api/runs', { json: { agent: 'slow', input: 'b' } })).json()
    const abort2 = new AbortController()
    await readSse(
      await request(`/api/runs/${doomed.runId}/events?cancelOnDisconnect=true`, { signal: abort2.signal }),
      {
        abort: abort2,
        until: (_message, all) => eventsOf(all).length >= 1,
      },
    )
    expect((await waitForStatus(request, doomed.runId, ['cancelled'])).status).toBe('cancelled')
  })

  it('resumes after Last-Event-ID across a server restart on SQLite storage', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'agentloop-server-')), 'runs.db')
    const first = createSqliteStorage({ path })
    const model = scriptedModel([{ text: longText(30) }], { chunkSize: 5 })
    const agent = new Agent({ name: 'talker', model })
    const serverA = await startServer({ runtime: new Runtime({ storage: first, agents: [agent] }) })
    const { runId } = await (
      await serverA.request('/api/runs', { json: { agent: 'talker', input: 'talk' } })
    ).json()
    await waitForStatus(serverA.request, runId, ['completed'])
    const abort = new AbortController()
    const before = eventsOf(
      await readSse(await serverA.request(`/api/runs/${runId}/events`, { signal: abort.signal }), {
        abort,
        until: (_message, all) => eventsOf(all).length === 5,
      }),
    )
    await serverA.listening.close()
    await first.close()
    const second = createSqliteStorage({ path })
    const serverB = await startServer({ runtime: new Runtime({ storage: second, agents: [agent] }) })
    const rest = eventsOf(
      await readSse(
        await serverB.request(`/api/runs/${runId}/events`, { headers: { 'Last-Event-ID': '5' } }),
      ),
    )
    const all = [...before, ...rest]
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1))
    expect(all.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
    // ownership survived the restart too: the run is found with the same key
    expect((await serverB.request(`/api/runs/${runId}`, { key: ADMIN_KEY })).status).toBe(200)
    await serverB.listening.close()
    await second.close()
  })
})
