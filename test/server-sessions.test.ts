import { describe, expect, it } from 'vitest'
import { startServer } from './support/server.js'

describe('server: sessions with branching', () => {
  it('creates, lists by cursor, edits, regenerates, forks and switches branches', async () => {
    const { request } = await startServer()
    const created = await request('/api/sessions', {
      json: {
        title: 'trip',
        messages: [
          { role: 'user', content: 'Plan a trip' },
          { role: 'assistant', content: 'Where to?' },
          { role: 'user', content: 'Rome' },
          { role: 'assistant', content: 'Rome it is.' },
        ],
      },
    })
    expect(created.status).toBe(201)
    const session = await created.json()
    const { messages } = await (await request(`/api/sessions/${session.sessionId}/messages`)).json()
    expect(messages.map((entry: { message: { content: string } }) => entry.message.content)).toEqual([
      'Plan a trip',
      'Where to?',
      'Rome',
      'Rome it is.',
    ])
    const edited = await request(`/api/sessions/${session.sessionId}/messages/${messages[2].id}/edit`, {
      json: { message: { role: 'user', content: 'Paris' } },
    })
    expect(edited.status).toBe(200)
    const branch = await edited.json()
    const afterEdit = await (await request(`/api/sessions/${session.sessionId}/messages`)).json()
    expect(afterEdit.branchId).toBe(branch.branchId)
    expect(
      afterEdit.messages.map((entry: { message: { content: string } }) => entry.message.content),
    ).toEqual(['Plan a trip', 'Where to?', 'Paris'])
    const regenerated = await request(
      `/api/sessions/${session.sessionId}/messages/${messages[1].id}/regenerate`,
      {
        json: { message: { role: 'assistant', content: 'Which city?' } },
      },
    )
    expect(regenerated.status).toBe(200)
    const detail = await (await request(`/api/sessions/${session.sessionId}`)).json()
    expect(detail.branches).toHaveLength(3)
    const switched = await request(`/api/sessions/${session.sessionId}/switch`, {
      json: { branchId: 'main' },
    })
    expect((await switched.json()).activeBranchId).toBe('main')
    const fork = await request(`/api/sessions/${session.sessionId}/fork`, {
      json: { messageId: messages[1].id, title: 'fork' },
    })
    expect(fork.status).toBe(201)
    const forked = await fork.json()
    expect(forked).toMatchObject({ parentSessionId: session.sessionId, forkedFromMessageId: messages[1].id })
    const forkMessages = await (await request(`/api/sessions/${forked.sessionId}/messages`)).json()
    expect(forkMessages.messages).toHaveLength(2)
    const page1 = await (await request('/api/sessions?limit=1')).json()
    expect(page1.sessions.map((entry: { sessionId: string }) => entry.sessionId)).toEqual([forked.sessionId])
    const page2 = await (await request(`/api/sessions?limit=1&cursor=${page1.nextCursor}`)).json()
    expect(page2.sessions.map((entry: { sessionId: string }) => entry.sessionId)).toEqual([session.sessionId])
    expect(page2.nextCursor).toBeNull()
    expect((await request('/api/sessions?cursor=garbage')).status).toBe(422)
    expect((await request(`/api/sessions/${session.sessionId}/messages?branchId=nope`)).status).toBe(404)
    expect(
      (
        await request(`/api/sessions/${session.sessionId}/messages/nope/edit`, {
          json: { message: { role: 'user', content: 'x' } },
        })
      ).status,
    ).toBe(404)
    expect((await request(`/api/sessions/${session.sessionId}`, { method: 'DELETE' })).status).toBe(200)
    expect((await request(`/api/sessions/${session.sessionId}`)).status).toBe(404)
  })

  it('keeps sessions to their owner: another owner gets 404 and an empty list', async () => {
    const { request } = await startServer()
    const keyOf = async (owner: string) =>
      (await (await request('/api/keys', { json: { owner, scopes: ['run'] } })).json()).key as string
    const alice = await keyOf('alice')
    const bob = await keyOf('bob')
    const session = await (await request('/api/sessions', { key: alice, json: {} })).json()
    expect((await request(`/api/sessions/${session.sessionId}`, { key: bob })).status).toBe(404)
    expect((await request(`/api/sessions/${session.sessionId}/messages`, { key: bob })).status).toBe(404)
    expect((await request(`/api/sessions/${session.sessionId}/fork`, { key: bob, json: {} })).status).toBe(
      404,
    )
    expect((await (await request('/api/sessions', { key: bob })).json()).sessions).toEqual([])
    expect((await (await request('/api/sessions', { key: alice })).json()).sessions).toHaveLength(1)
    expect((await request('/api/sessions?owner=alice', { key: bob })).status).toBe(403)
    expect((await (await request('/api/sessions?owner=alice')).json()).sessions).toHaveLength(1)
  })

  it('names the bad field of a message (422)', async () => {
    const { request } = await startServer()
    const response = await request('/api/sessions', { json: { messages: [{ role: 'robot', content: 'x' }] } })
    expect(response.status).toBe(422)
    expect((await response.json()).error.field).toBe('body.messages[0].role')
  })
})
