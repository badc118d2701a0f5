/**
 * The server process of the SSE fan-out benchmark (bench/server.ts starts it): one agent whose
 * model streams 50 text deltas 10 ms apart once `POST /bench/go` opens its gate, and
 * `GET /bench/memory` for this process's memory. Prints its URL on stdout.
 */
import { Agent, createMemoryStorage, type Model, Runtime } from 'agentloop'
import { createServer } from 'agentloop/server'

let open: () => void = () => {}
const gate = new Promise<void>((resolve) => {
  open = resolve
})
const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'gated',
  generate: () => Promise.reject(new Error('not used')),
  async *stream() {
    await gate
    yield { type: 'response.start' }
    for (let index = 0; index < 50; index++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      yield { type: 'text.delta', delta: `word${index} ` }
    }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 10, outputTokens: 50, totalTokens: 60 },
    }
  },
}
const agent = new Agent({ name: 'fanout', model })
const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
const server = createServer({
  runtime,
  apiKeys: [process.env.BENCH_KEY as string],
  logger: { level: 'silent' },
  limits: { requestsPerMinute: 10_000_000, concurrentRuns: 1000 },
})
server.app.get('/bench/memory', (context) => {
  globalThis.gc?.()
  const usage = process.memoryUsage()
  return context.json({ rss: usage.rss, heapUsed: usage.heapUsed })
})
server.app.post('/bench/go', (context) => {
  open()
  return context.json({ ok: true })
})
const listening = await server.listen(0)
console.log(listening.url)
