import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { RunEvent } from '../../events/run-event.js'
import { StoredDataError } from '../storage-errors.js'
import { archiveEvents, unarchiveEvents } from './event-archive.js'

/** A run's log as the runtime writes it: a tool call, then an answer. */
function runLog(runId: string): RunEvent[] {
  const answer = 'Your order has shipped and should arrive on Thursday; anything else?'
  const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 }
  const events = [
    { type: 'run.start', agent: 'support', model: 'p:m', input: [{ role: 'user', content: 'Where is it?' }] },
    { type: 'turn.start', turn: 1 },
    { type: 'model.start', turn: 1, model: 'p:m' },
    { type: 'tool.args.delta', turn: 1, callId: 'c1', toolName: 'lookup', delta: '{"order":9}' },
    {
      type: 'model.end',
      turn: 1,
      finishReason: 'tool-calls',
      usage,
      text: '',
      toolCalls: [{ callId: 'c1', toolName: 'lookup', arguments: '{"order":9}' }],
    },
    { type: 'checkpoint.save', turn: 1, revision: 2, reason: 'model' },
    { type: 'tool.start', turn: 1, callId: 'c1', toolName: 'lookup', arguments: { order: 9 } },
    {
      type: 'tool.end',
      turn: 1,
      callId: 'c1',
      toolName: 'lookup',
      output: 'Order 9: shipped on Monday.',
      isError: false,
      durationMs: 0.2074789,
    },
    { type: 'turn.end', turn: 1 },
    { type: 'turn.start', turn: 2 },
    { type: 'text.delta', turn: 2, delta: answer },
    { type: 'model.end', turn: 2, finishReason: 'stop', usage, text: answer, toolCalls: [] },
    {
      type: 'run.end',
      status: 'completed',
      output: answer,
      usage: { ...usage, modelCalls: 2, toolCalls: 1 },
      turns: 2,
    },
  ]
  return events.map(
    (event, index) => ({ ...event, runId, seq: index + 1, time: 1_700_000_000_000 + index }) as RunEvent,
  )
}

describe('archived event logs (run-event format 3)', () => {
  it('read back exactly the events archived, in a fraction of their JSON', async () => {
    const events = runLog('r1')
    const archive = await archiveEvents(events)
    expect(archive).toMatchObject({ version: 3, seq: 1, last: 13, count: 13, codec: 'deflate-raw/events-1' })
    expect(unarchiveEvents('r1', archive, 'k')).toEqual(events)
    const json = JSON.stringify(events).length
    // the dictionary is what makes a short log small: plain deflate of the same batch is larger
    expect(archive.data.length).toBeLessThan(json / 4)
    const plain = deflateRawSync(JSON.stringify(events), { level: 9 }).toString('base64')
    expect(archive.data.length).toBeLessThan(plain.length * 0.75)
  })

  it('keep strings JSON cannot carry raw and odd seqs and times', async () => {
    const events = [
      { type: 'custom', name: 'n', data: 'nul \u0000 lone \udc00 🚀', runId: 'r', seq: 3, time: 1.5 },
      { type: 'custom', name: 'n', runId: 'r', seq: 9, time: 2 },
    ] as unknown as RunEvent[]
    expect(unarchiveEvents('r', await archiveEvents(events), 'k')).toEqual(events)
  })

  it('refuse a damaged archive or an unknown codec with a StoredDataError naming the record', async () => {
    const archive = await archiveEvents(runLog('r1'))
    const damaged = { ...archive, data: `AAAA${archive.data.slice(8)}` }
    expect(() => unarchiveEvents('r1', damaged, '2:r13:a13')).toThrow(StoredDataError)
    expect(() => unarchiveEvents('r1', damaged, '2:r13:a13')).toThrow(/run-event "2:r13:a13" is unreadable/)
    expect(() => unarchiveEvents('r1', { ...archive, count: 12 }, 'k')).toThrow(/holds? the 12 events/)
    expect(() => unarchiveEvents('r1', { ...archive, codec: 'zstd/events-9' }, 'k')).toThrow(
      /codec "zstd\/events-9" is unknown/,
    )
  })
})
