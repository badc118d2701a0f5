import { describe, expect, it } from 'vitest'
import { startServer } from './support/server.js'

/** A request body sent chunked (no Content-Length), in pieces. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(offset, offset + 500))
      offset += 500
    },
  })
}

describe('server: the body size limit', () => {
  it('judges a body by its Content-Length, counts a chunked one as it streams, and leaves GETs alone', async () => {
    const { request, url } = await startServer({ bodyLimitBytes: 2048 })
    const send = (body: string, chunk: boolean) =>
      request('/api/keys', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: chunk ? chunked(body) : body,
        ...(chunk ? { duplex: 'half' } : {}),
      } as RequestInit)
    const small = JSON.stringify({ name: 'small', scopes: ['read'] })
    const big = JSON.stringify({ name: 'x'.repeat(5000) })
    for (const chunk of [false, true]) {
      const accepted = await send(small, chunk)
      expect(accepted.status, `chunked ${chunk}`).toBe(201)
      expect((await accepted.json()).key).toMatch(/^al_/)
      const refused = await send(big, chunk)
      expect(refused.status, `chunked ${chunk}`).toBe(413)
      expect((await refused.json()).error).toMatchObject({
        type: 'payload_too_large',
        message: expect.stringContaining('over 2048 bytes'),
      })
    }
    // malformed JSON under the limit is still a 400, with or without Content-Length
    for (const chunk of [false, true]) expect((await send('{"name":', chunk)).status).toBe(400)
    expect((await request('/api/keys')).status).toBe(200)
    expect((await fetch(`${url}/health/live`)).status).toBe(200)
  })
})
