import { describe, expect, it } from 'vitest'
import { followEvents, type StreamedEvent, StreamRequestError } from './sse-client.js'

function frame(seq: number, type: string, extra: Record<string, unknown> = {}): string {
  return `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ type, seq, runId: 'r', time: 0, ...extra })}\n\n`
}

/** A response whose body yields these chunks, then ends (or errors with `fail`). */
function streamResponse(chunks: string[], fail?: Error): Response {
  const encoder = new TextEncoder()
  let index = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++]
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk))
      else if (fail !== undefined) controller.error(fail)
      else controller.close()
    },
  })
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
}

/** A fetch that answers from a list, recording the Last-Event-ID of each request. */
function scriptedFetch(answers: (() => Response | Promise<Response>)[]) {
  const seen: (string | null)[] = []
  const fake = (async (_url: string, init?: RequestInit) => {
    seen.push(new Headers(init?.headers).get('Last-Event-ID'))
    const answer = answers.shift()
    if (answer === undefined) throw new Error('no more answers')
    return answer()
  }) as typeof fetch
  return { fake, seen }
}

describe('followEvents', () => {
  it('parses events split across chunks and stops after run.end', async () => {
    const whole = frame(1, 'run.start') + frame(2, 'text.delta', { delta: 'Hi' }) + frame(3, 'run.end')
    const { fake, seen } = scriptedFetch([
      () => streamResponse([whole.slice(0, 7), whole.slice(7, 50), whole.slice(50), ': keep-alive\n\n']),
    ])
    const events: StreamedEvent[] = []
    const result = await followEvents({ url: 'x', fetch: fake, onEvent: (event) => events.push(event) })
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3])
    expect(events[1]).toMatchObject({ type: 'text.delta', delta: 'Hi' })
    expect(result).toEqual({ lastSeq: 3, ended: true })
    expect(seen).toEqual([null])
  })

  it('reconnects with Last-Event-ID after a drop and never delivers an event twice', async () => {
    const { fake, seen } = scriptedFetch([
      () => streamResponse([frame(1, 'run.start'), frame(2, 'text.delta')], new TypeError('network')),
      // a server that replays one event too many is filtered
      () => streamResponse([frame(2, 'text.delta'), frame(3, 'text.delta')]),
      () => new Response('{"error":{"message":"busy"}}', { status: 503 }),
      () => streamResponse([frame(4, 'run.end')]),
    ])
    const reconnects: number[] = []
    const events: number[] = []
    const result = await followEvents({
      url: 'x',
      fetch: fake,
      retryDelaysMs: [1],
      onEvent: (event) => events.push(event.seq),
      onReconnect: (info) => reconnects.push(info.after),
    })
    expect(events).toEqual([1, 2, 3, 4])
    expect(seen).toEqual([null, '2', '3', '3'])
    expect(reconnects).toEqual([2, 3, 3])
    expect(result.lastSeq).toBe(4)
  })

  it('starts after a given seq (resume after a reload)', async () => {
    const { fake, seen } = scriptedFetch([() => streamResponse([frame(8, 'run.end')])])
    const events: number[] = []
    await followEvents({ url: 'x', fetch: fake, after: 7, onEvent: (event) => events.push(event.seq) })
    expect(seen).toEqual(['7'])
    expect(events).toEqual([8])
  })

  it('rejects with the API message on a 4xx, without retrying', async () => {
    const { fake, seen } = scriptedFetch([
      () =>
        new Response('{"error":{"type":"not_found","message":"There is no run \\"x\\"."}}', { status: 404 }),
    ])
    const failure = followEvents({ url: 'x', fetch: fake, onEvent: () => {} })
    await expect(failure).rejects.toBeInstanceOf(StreamRequestError)
    await expect(failure).rejects.toThrow('There is no run "x".')
    expect(seen).toHaveLength(1)
  })

  it('gives up after maxRetries failures in a row, naming the last cause', async () => {
    const answers = Array.from({ length: 5 }, () => () => Promise.reject(new TypeError('connection refused')))
    const { fake } = scriptedFetch(answers)
    await expect(
      followEvents({ url: 'x', fetch: fake, retryDelaysMs: [1], maxRetries: 2, onEvent: () => {} }),
    ).rejects.toThrow('failed 3 times in a row (last: connection refused)')
  })

  it('returns when aborted, with the resume point', async () => {
    const controller = new AbortController()
    const { fake } = scriptedFetch([
      () => streamResponse([frame(1, 'run.start')], new TypeError('dropped')),
      () => streamResponse([]),
    ])
    const result = await followEvents({
      url: 'x',
      fetch: fake,
      signal: controller.signal,
      retryDelaysMs: [10_000],
      onEvent: () => {},
      onReconnect: () => controller.abort(),
    })
    expect(result).toEqual({ lastSeq: 1, ended: false })
  })

  it('skips data that is not an event object', async () => {
    const { fake } = scriptedFetch([
      () => streamResponse(['data: not json\n\n', 'data: [1]\n\n', frame(1, 'run.end')]),
    ])
    const events: number[] = []
    await followEvents({ url: 'x', fetch: fake, onEvent: (event) => events.push(event.seq) })
    expect(events).toEqual([1])
  })
})
