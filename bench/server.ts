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
import { spawn } from 'node:child_process'
import { Agent as HttpAgent, get as httpGet, request as httpRequest } from 'node:http'
import { createInterface } from 'node:readline'
import { Agent, createMemoryStorage, type Model, Runtime } from 'agentloop'
import { createServer } from 'agentloop/server'
import autocannon from 'autocannon'

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

/**
 * Times several calls round-robin (one of each in turn), so a busy machine slows them alike; after
 * a warm-up of 200 rounds, `count` rounds are timed.
 */
async function timeInterleaved(
  count: number,
  calls: Record<string, () => Promise<unknown>>,
): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(calls).map((name) => [name, []]))
  for (let round = 0; round < count + 200; round++) {
    for (const [name, call] of Object.entries(calls)) {
      const started = performance.now()
      await call()
      if (round >= 200) times[name]?.push(performance.now() - started)
    }
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
  const completion = JSON.stringify({
    model: 'bench',
    messages: [{ role: 'user', content: 'What is 2 + 3?' }],
  })
  const chat = JSON.stringify({ message: 'What is 2 + 3?' })
  const times = await timeInterleaved(count, {
    direct: () => runtime.run(agent, 'What is 2 + 3?'),
    directMessages: () => runtime.run(agent, [{ role: 'user', content: 'What is 2 + 3?' }]),
    chat: () => post(`${listening.url}/api/agents/bench/chat`, chat),
    completions: () => post(`${listening.url}/v1/chat/completions`, completion),
    noop: () => post(`${listening.url}/api/meta/rate-limit-status`, ''),
  })
  const p50 = (name: string) => quantile(times[name] as number[], 0.5)
  const line = (label: string, name: string) =>
    console.log(`   ${label.padEnd(42)} ${ms(p50(name))} / ${ms(quantile(times[name] as number[], 0.99))}`)
  console.log(`\n1. one-turn run, ${count} rounds, the calls interleaved (p50 / p99)`)
  line('direct runtime.run(agent, text)', 'direct')
  line('direct runtime.run(agent, messages)', 'directMessages')
  line('POST /api/agents/bench/chat (text)', 'chat')
  line('POST /v1/chat/completions (messages)', 'completions')
  line('an authenticated no-op route', 'noop')
  console.log(
    `   added by the server, p50: chat ${ms(p50('chat') - p50('direct'))}, completions ${ms(p50('completions') - p50('directMessages'))} (HTTP client included)`,
  )
  await listening.close()
}

async function getRunThroughput(): Promise<void> {
  const agent = new Agent({ name: 'bench', model: stub })
  const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
  const server = createServer({
    runtime,
    apiKeys: [KEY],
    logger: { level: 'silent' },
    limits: { requestsPerMinute: 100_000_000 },
  })
  const listening = await server.listen(0)
  const { runId } = await runtime.submit('bench', 'hi')
  await runtime.wait(runId)
  const result = await autocannon({
    url: `${listening.url}/api/runs/${runId}`,
    connections: 32,
    duration: 5,
    headers: { Authorization: `Bearer ${KEY}` },
  })
  const { Hono } = await import('hono')
  const { serve } = await import('@hono/node-server')
  const bare = new Hono()
  bare.get('/x', (context) => context.json({ ok: true }))
  const bareServer = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => bareServer.once('listening', resolve))
  const barePort = (bareServer.address() as { port: number }).port
  const baseline = await autocannon({ url: `http://127.0.0.1:${barePort}/x`, connections: 32, duration: 5 })
  bareServer.close()
  console.log(
    '\n2. GET /api/runs/{runId} (a completed run, memory storage), autocannon 32 connections for 5 s',
  )
  console.log(
    `   baseline, a bare hono route answering {"ok":true} on this machine at the same time: ${Math.round(baseline.requests.average)} requests/s, p50 ${baseline.latency.p50} ms`,
  )
  console.log(
    `   ${Math.round(result.requests.average)} requests/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`,
  )
  await listening.close()
}

async function fanOut(clients: number): Promise<void> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/server-child.ts'], {
    env: { ...process.env, BENCH_KEY: KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve)
  })
  const memory = async () =>
    (await (await fetch(`${url}/bench/memory`)).json()) as { rss: number; heapUsed: number }
  const submitted = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent: 'fanout', input: 'go' }),
  })
  const { runId } = (await submitted.json()) as { runId: string }
  const before = await memory()
  const delays: number[] = []
  let complete = 0
  let connected = 0
  const sockets = new HttpAgent({ keepAlive: false, maxSockets: clients + 10 })
  const done = Array.from(
    { length: clients },
    () =>
      new Promise<void>((resolve, reject) => {
        const outgoing = httpGet(
          `${url}/api/runs/${runId}/events`,
          { agent: sockets, headers: { Authorization: `Bearer ${KEY}` } },
          (response) => {
            connected++
            let buffer = ''
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => {
              const now = Date.now()
              buffer += chunk
              let end = buffer.indexOf('\n\n')
              while (end !== -1) {
                const block = buffer.slice(0, end)
                buffer = buffer.slice(end + 2)
                end = buffer.indexOf('\n\n')
                const data = block.split('\n').find((line) => line.startsWith('data: '))
                if (data === undefined) continue
                const event = JSON.parse(data.slice(6)) as { type: string; time: number }
                if (event.type === 'text.delta') delays.push(now - event.time)
                if (event.type === 'run.end') complete++
              }
            })
            response.on('end', resolve)
          },
        )
        outgoing.on('error', reject)
      }),
  )
  while (connected < clients) await new Promise((resolve) => setTimeout(resolve, 20))
  const during = await memory()
  await fetch(`${url}/bench/go`, { method: 'POST' })
  await Promise.all(done)
  const after = await memory()
  child.kill()
  sockets.destroy()
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
  console.log(
    `\n3. SSE fan-out: one run (50 text deltas 10 ms apart) watched by ${clients} clients, server in its own process`,
  )
  console.log(
    `   server memory: rss ${mb(before.rss)} before the clients, ${mb(during.rss)} with ${clients} connected (+${mb(during.rss - before.rss)}), heap +${mb(during.heapUsed - before.heapUsed)}; rss ${mb(after.rss)} after`,
  )
  console.log(
    `   delivery delay from event creation to client: p50 ${quantile(delays, 0.5)} ms, p99 ${quantile(delays, 0.99)} ms, max ${Math.max(...delays)} ms over ${delays.length} deliveries; ${complete}/${clients} saw run.end`,
  )
}

await addedLatency()
await getRunThroughput()
await fanOut(500)
keepAlive.destroy()
