import assert from 'node:assert/strict'
import type { Message } from '../../messages/message.js'
import { rejectsWith, type SuiteContext } from './suite-context.js'

const user = (content: string): Message => ({ role: 'user', content })
const assistant = (content: string): Message => ({ role: 'assistant', content })
const texts = (messages: readonly Message[]) => messages.map((message) => message.content)

export function sessionTests({ describe, it }: SuiteContext): void {
  describe('sessions', () => {
    it('creates a session, appends messages and loads the active branch', async (storage) => {
      const created = await storage.sessions.create({ sessionId: 's', title: 'Trip', messages: [user('hi')] })
      assert.equal(created.activeBranchId, 'main')
      const added = await storage.sessions.append('s', [
        assistant('hello'),
        {
          role: 'assistant',
          content: [{ type: 'tool-call', callId: 'c1', name: 'lookup', arguments: '{"q":1}' }],
        },
        { role: 'tool', callId: 'c1', toolName: 'lookup', content: 'found', isError: false },
      ])
      assert.equal(added.length, 3)
      assert.equal(added[1]?.parentId, added[0]?.id)
      const messages = await storage.sessions.messages('s')
      assert.equal(messages.length, 4)
      assert.deepEqual(messages[3], {
        role: 'tool',
        callId: 'c1',
        toolName: 'lookup',
        content: 'found',
        isError: false,
      })
      const entries = await storage.sessions.entries('s')
      assert.deepEqual(
        entries.map((entry) => entry.id),
        [entries[0]?.id, ...added.map((entry) => entry.id)],
      )
      assert.equal((await storage.sessions.get('s'))?.title, 'Trip')
      const updated = await storage.sessions.update('s', { title: 'Lisbon', metadata: { owner: 'ana' } })
      assert.equal(updated.title, 'Lisbon')
      assert.deepEqual((await storage.sessions.get('s'))?.metadata, { owner: 'ana' })
      assert.deepEqual(
        (await storage.sessions.list()).map((session) => session.sessionId),
        ['s'],
      )
      await rejectsWith(storage.sessions.create({ sessionId: 's' }), 'StorageConflictError')
    })

    it('creates a session on the first append', async (storage) => {
      await storage.sessions.append('new', [user('first')])
      assert.deepEqual(texts(await storage.sessions.messages('new')), ['first'])
      assert.equal((await storage.sessions.get('new'))?.activeBranchId, 'main')
    })

    it('loses no message when many writers append to one session at once', async (storage) => {
      await storage.sessions.create({ sessionId: 's', messages: [user('start')] })
      const writers = 12
      await Promise.all(
        Array.from({ length: writers }, (_, writer) =>
          storage.sessions.append('s', [
            user(`w${writer}-a`),
            assistant(`w${writer}-b`),
            user(`w${writer}-c`),
          ]),
        ),
      )
      const messages = texts(await storage.sessions.messages('s'))
      assert.equal(messages.length, 1 + writers * 3)
      for (let writer = 0; writer < writers; writer++) {
        const start = messages.indexOf(`w${writer}-a`)
        assert.ok(start > 0, `writer ${writer}'s messages are there`)
        assert.deepEqual(messages.slice(start, start + 3), [`w${writer}-a`, `w${writer}-b`, `w${writer}-c`])
      }
    })

    it('edits a message into a new active branch and keeps the original branch', async (storage) => {
      await storage.sessions.create({
        sessionId: 's',
        messages: [user('q1'), assistant('a1'), user('q2'), assistant('a2')],
      })
      const entries = await storage.sessions.entries('s')
      const q2 = entries[2]?.id as string
      const branch = await storage.sessions.edit('s', q2, user('q2 edited'))
      assert.notEqual(branch.branchId, 'main')
      assert.deepEqual(branch.forkedFrom, { branchId: 'main', messageId: q2 })
      assert.equal((await storage.sessions.get('s'))?.activeBranchId, branch.branchId)
      assert.deepEqual(texts(await storage.sessions.messages('s')), ['q1', 'a1', 'q2 edited'])
      await storage.sessions.append('s', [assistant('a2 new')])
      assert.deepEqual(texts(await storage.sessions.messages('s')), ['q1', 'a1', 'q2 edited', 'a2 new'])
      assert.deepEqual(texts(await storage.sessions.messages('s', { branchId: 'main' })), [
        'q1',
        'a1',
        'q2',
        'a2',
      ])
      const branches = await storage.sessions.branches('s')
      assert.deepEqual(branches.map((item) => item.branchId).sort(), [branch.branchId, 'main'].sort())
      await storage.sessions.switchBranch('s', 'main')
      assert.deepEqual(texts(await storage.sessions.messages('s')), ['q1', 'a1', 'q2', 'a2'])
      await storage.sessions.append('s', [user('q3')], { branchId: branch.branchId })
      assert.deepEqual(texts(await storage.sessions.messages('s', { branchId: branch.branchId })), [
        'q1',
        'a1',
        'q2 edited',
        'a2 new',
        'q3',
      ])
    })

    it('regenerates an answer on a new branch, with or without the new answer', async (storage) => {
      await storage.sessions.create({ sessionId: 's', messages: [user('q'), assistant('first answer')] })
      const answer = (await storage.sessions.entries('s'))[1]?.id as string
      const empty = await storage.sessions.regenerate('s', answer)
      assert.deepEqual(texts(await storage.sessions.messages('s')), ['q'])
      await storage.sessions.append('s', [assistant('second answer')])
      assert.deepEqual(texts(await storage.sessions.messages('s')), ['q', 'second answer'])
      const third = await storage.sessions.regenerate('s', answer, { message: assistant('third answer') })
      assert.notEqual(third.branchId, empty.branchId)
      assert.deepEqual(texts(await storage.sessions.messages('s')), ['q', 'third answer'])
      assert.equal((await storage.sessions.branches('s')).length, 3)
      assert.deepEqual(texts(await storage.sessions.messages('s', { branchId: 'main' })), [
        'q',
        'first answer',
      ])
    })

    it('forks a conversation into an independent session', async (storage) => {
      await storage.sessions.create({
        sessionId: 's',
        title: 'Original',
        messages: [user('q1'), assistant('a1'), user('q2')],
      })
      const a1 = (await storage.sessions.entries('s'))[1]?.id as string
      const fork = await storage.sessions.fork('s', { messageId: a1, newSessionId: 'f' })
      assert.equal(fork.sessionId, 'f')
      assert.equal(fork.title, 'Original')
      assert.deepEqual(texts(await storage.sessions.messages('f')), ['q1', 'a1'])
      await storage.sessions.append('f', [user('other question')])
      assert.deepEqual(texts(await storage.sessions.messages('f')), ['q1', 'a1', 'other question'])
      assert.deepEqual(texts(await storage.sessions.messages('s')), ['q1', 'a1', 'q2'])
      const whole = await storage.sessions.fork('s')
      assert.deepEqual(texts(await storage.sessions.messages(whole.sessionId)), ['q1', 'a1', 'q2'])
    })

    it("records a fork's lineage and lists the forks of a session and the chain back to the original", async (storage) => {
      await storage.sessions.create({ sessionId: 's', messages: [user('q1'), assistant('a1'), user('q2')] })
      const [q1, a1] = (await storage.sessions.entries('s')).map((entry) => entry.id)
      const fork = await storage.sessions.fork('s', { messageId: a1 as string, newSessionId: 'f1' })
      assert.equal(fork.parentSessionId, 's')
      assert.equal(fork.forkedFromMessageId, a1)
      await storage.sessions.fork('s', { messageId: q1 as string, newSessionId: 'f2' })
      const grandchild = await storage.sessions.fork('f1', { newSessionId: 'f1a' })
      assert.equal(grandchild.forkedFromMessageId, a1, 'a fork of the whole branch records its head')
      await storage.sessions.create({ sessionId: 'empty' })
      const ofEmpty = await storage.sessions.fork('empty', { newSessionId: 'f3' })
      assert.equal(ofEmpty.forkedFromMessageId, undefined)
      assert.equal((await storage.sessions.get('f1'))?.parentSessionId, 's')
      assert.equal((await storage.sessions.get('s'))?.parentSessionId, undefined)
      const forks = await storage.sessions.list({ parentSessionId: 's' })
      assert.deepEqual(forks.map((session) => session.sessionId).sort(), ['f1', 'f2'])
      assert.deepEqual(
        (await storage.sessions.lineage('f1a')).map((session) => session.sessionId),
        ['f1a', 'f1', 's'],
      )
      assert.deepEqual(await storage.sessions.lineage('missing'), [])
      // forks stay in the plain listing, and keep their lineage through an update
      assert.equal((await storage.sessions.list()).length, 6)
      await storage.sessions.update('f1', { title: 'renamed' })
      assert.deepEqual(
        (await storage.sessions.list({ parentSessionId: 's' })).map((session) => session.sessionId).sort(),
        ['f1', 'f2'],
      )
    })

    it('answers null or [] for unknown sessions and a clear error for unknown messages and branches', async (storage) => {
      assert.equal(await storage.sessions.get('missing'), null)
      assert.deepEqual(await storage.sessions.messages('missing'), [])
      assert.deepEqual(await storage.sessions.branches('missing'), [])
      assert.equal(await storage.sessions.delete('missing'), false)
      await rejectsWith(storage.sessions.edit('missing', 'm', user('x')), 'RecordNotFoundError', /missing/)
      await storage.sessions.create({ sessionId: 's', messages: [user('q')] })
      await rejectsWith(storage.sessions.edit('s', 'nope', user('x')), 'RecordNotFoundError', /nope/)
      await rejectsWith(storage.sessions.switchBranch('s', 'nope'), 'RecordNotFoundError', /nope/)
      await rejectsWith(storage.sessions.messages('s', { branchId: 'nope' }), 'RecordNotFoundError', /nope/)
      await rejectsWith(
        storage.sessions.append('s', [{ role: 'robot', content: 'x' } as never]),
        'ConfigError',
        /role/,
      )
      await rejectsWith(storage.sessions.update('missing', { title: 'x' }), 'RecordNotFoundError')
    })

    it('deletes a session with its messages and branches', async (storage) => {
      await storage.sessions.create({ sessionId: 's', messages: [user('q')] })
      await storage.sessions.create({ sessionId: 'keep', messages: [user('kept')] })
      assert.equal(await storage.sessions.delete('s'), true)
      assert.equal(await storage.sessions.get('s'), null)
      assert.deepEqual(await storage.sessions.messages('s'), [])
      assert.deepEqual(texts(await storage.sessions.messages('keep')), ['kept'])
    })
  })
}
