import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindWorkflow } from './bind-workflow.js'
import { HttpRequestError, httpRequestHandler } from './http-request-handler.js'
import { workflow } from './workflow-builder.js'
import type { WorkflowNodeError } from './workflow-errors.js'

let server: Server
let base = ''
const received: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = []

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', body, headers: request.headers })
      if (request.url?.startsWith('/users/')) {
        response.setHeader('content-type', 'application/json')
        response.end(
          JSON.stringify({
            id: request.url.slice('/users/'.length),
            name: 'Ada',
            __proto__: { admin: true },
          }),
        )
      } else if (request.url === '/text') {
        response.end('plain text')
      } else if (request.url === '/big') {
        response.write('x'.repeat(600))
        response.end('y'.repeat(600))
      } else if (request.url === '/slow') {
        setTimeout(() => response.end('late'), 2000).unref()
      } else {
        response.statusCode = 201
        response.setHeader('content-type', 'application/json; charset=utf-8')
        response.end(JSON.stringify({ created: JSON.parse(body || 'null') }))
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const single = (config: Record<string, unknown>, options: { retries?: number; retryDelayMs?: number } = {}) =>
  workflow('http')
    .node('start', { type: 'start' })
    .node('call', { type: 'handler', handler: 'http_request', config: config as never, ...options })
    .node('end', { type: 'end', output: '${call.output}' })
    .edge('start', 'call')
    .edge('call', 'end')
    .build()

describe('the http_request handler', () => {
  it('requests the URL with variables filled in and parses a JSON response', async () => {
    const bound = bindWorkflow(single({ url: `${base}/users/\${userId}` }), {
      handlers: [httpRequestHandler()],
    })
    const result = await bound.run({ userId: 42 })
    expect(result.output).toMatchObject({
      status: 200,
      body: { id: '42', name: 'Ada' },
      headers: { 'content-type': 'application/json' },
    })
    expect(Object.getPrototypeOf((result.output as { body: object }).body)).toBe(Object.prototype)
    expect(received.at(-1)).toMatchObject({ method: 'GET', url: '/users/42' })
  })

  it('sends a method, headers and a JSON body; text responses stay text', async () => {
    const bound = bindWorkflow(
      single({
        url: `${base}/orders`,
        method: 'post',
        headers: { 'x-trace': '${trace}' },
        body: { item: '${item}' },
      }),
      {
        handlers: [httpRequestHandler()],
      },
    )
    const result = await bound.run({ trace: 't-1', item: 'tea' })
    expect(result.output).toMatchObject({ status: 201, body: { created: { item: 'tea' } } })
    expect(received.at(-1)).toMatchObject({
      method: 'POST',
      body: '{"item":"tea"}',
      headers: { 'x-trace': 't-1', 'content-type': 'application/json' },
    })
    const text = await bindWorkflow(single({ url: `${base}/text` }), {
      handlers: [httpRequestHandler()],
    }).run()
    expect(text.output).toMatchObject({ status: 200, body: 'plain text' })
  })

  it('limits the response size and the time, and refuses URLs its allowUrl rejects', async () => {
    const small = bindWorkflow(single({ url: `${base}/big` }), {
      handlers: [httpRequestHandler({ maxResponseBytes: 1000 })],
    })
    const big = (await small.run().catch((error: unknown) => error)) as WorkflowNodeError
    expect(big.cause).toBeInstanceOf(HttpRequestError)
    expect(big.message).toMatch(/larger than maxResponseBytes \(1000 bytes\)/)

    const quick = bindWorkflow(single({ url: `${base}/slow` }, { retries: 1, retryDelayMs: 1 }), {
      handlers: [httpRequestHandler({ timeoutMs: 50 })],
    })
    const started = Date.now()
    const slow = (await quick.run().catch((error: unknown) => error)) as WorkflowNodeError
    expect(slow.message).toMatch(/failed after 2 attempts: .*no response within 50 ms/)
    expect(Date.now() - started).toBeLessThan(1900)

    const fenced = bindWorkflow(single({ url: `${base}/text` }), {
      handlers: [httpRequestHandler({ allowUrl: (url) => url.hostname === 'api.example.com' })],
    })
    await expect(fenced.run()).rejects.toThrow(/is not allowed by this handler's allowUrl/)
    const file = bindWorkflow(single({ url: 'file:///etc/passwd' }), { handlers: [httpRequestHandler()] })
    await expect(file.run()).rejects.toThrow(/only http and https URLs can be requested; got file:/)
  })

  it('counts GET as idempotent and POST as not', () => {
    const handler = httpRequestHandler()
    const idempotent = handler.idempotent as (node: never) => boolean
    expect(idempotent({ config: { url: 'x' } } as never)).toBe(true)
    expect(idempotent({ config: { url: 'x', method: 'POST' } } as never)).toBe(false)
  })
})
