/**
 * The HTTP server's own cost, against 127.0.0.1 (no network, a stub model that answers at once):
 *
 * 1. added latency of a one-turn run over HTTP (POST /v1/chat/completions and POST
 *    /api/agents/{name}/chat, one client, keep-alive) over the same run as a direct library call
 *    (`runtime.run`): p50 and p99 of each, the difference is what the server adds;
 * 2. requests per second of GET /api/runs/{runId} (autocannon, 32 connections, 5 s);
 * 3. SSE fan-out: one run watched by 500 clients of GET /api/runs/{runId}/events: memory of the
 *    server process before and while they are connected, and the delay from an event being stored
 *    to it reaching every client (p50, p99, max over the run's events).
 *
 * Run: npm run bench:server   (builds dist/ first)
 */
import { Agent, createMemoryStorage, type Model, Runtime } from 'agentloop'
import { createServer } from 'agentloop/server'
import autocannon from 'autocannon'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'

const KEY = 'bench-key-0123456789abcdef'
const text = 'The answer is 5.'

/** A model that answers one turn at once, streaming like a provider. */
const stub: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'stub',
  generate: () => Promise.reject(new Error('not used')),
  async *stream() {
    yield { type: 'response.start' }
    for (let start = 0; start < text.length; start += 8)
      yield { type: 'text.delta', delta: text.slice(start, start + 8) }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 },
    }
  },
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}
const ms = (value: number) => `${value.toFixed(3)} ms`

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 600 })
function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const outgoing = httpRequest(
      {
        agent: keepAlive,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          Authorization: `Bearer ${KEY}`,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume()
        response.on('end', () => resolve(response.statusCode ?? 0))
      },
    )
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

async function timeEach(count: number, call: () => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < 200; index++) await call()
  const times: number[] = []
  for (let index = 0; index < count; index++) {
    const started = performance.now()
    await call()
    times.push(performance.now() - started)
  }
  return times
}

async function addedLatency(): Promise<void> {
  const agent = new Agent({ name: 'bench', instructions: 'Answer.', model: stub })
  const runtime = new Runtime({ agents: [agent] })
  const server = createServer({
    runtime,
    agents: [agent],
    apiKeys: [KEY],
    logger: { level: 'silent' },
    limits: { requestsPerMinute: 10_000_000 },
  })
  const listening = await server.listen(0)
  const count = 2000
  const direct = await timeEach(count, () => runtime.run(agent, 'What is 2 + 3?'))
  const completion = JSON.stringify({
    model: 'bench',
    messages: [{ role: 'user', content: 'What is 2 + 3?' }],
  })
  const viaCompletions = await timeEach(count, () => post(`${listening.url}/v1/chat/completions`, completion))
  const chat = JSON.stringify({ message: 'What is 2 + 3?' })
  const viaChat = await timeEach(count, () => post(`${listening.url}/api/agents/bench/chat`, chat))
  const empty = await timeEach(count, () => post(`${listening.url}/api/meta/rate-limit-status`, ''))
  console.log(`\n1. one-turn run, ${count} sequential calls each (p50 / p99)`)
  console.log(
    `   direct runtime.run:              ${ms(quantile(direct, 0.5))} / ${ms(quantile(direct, 0.99))}`,
  )
  console.log(
    `   POST /v1/chat/completions:       ${ms(quantile(viaCompletions, 0.5))} / ${ms(quantile(viaCompletions, 0.99))}`,
  )
  console.log(
    `   POST /api/agents/bench/chat:     ${ms(quantile(viaChat, 0.5))} / ${ms(quantile(viaChat, 0.99))}`,
  )
  console.log(
    `   (an authenticated no-op route:   ${ms(quantile(empty, 0.5))} / ${ms(quantile(empty, 0.99))}, client included)`,
  )
  console.log(
    `   added by the server, p50:        ${ms(quantile(viaCompletions, 0.5) - quantile(direct, 0.5))} (completions), ${ms(quantile(viaChat, 0.5) - quantile(direct, 0.5))} (chat, no storage)`,
  )
  await listening.close()
}

await addedLatency()
keepAlive.destroy()
