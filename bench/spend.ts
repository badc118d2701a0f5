/**
 * What usage recording and budgets cost per run. Workload: an agent whose scripted model makes 3
 * model calls (2 tool calls between them) per run, on a durable runtime with memory storage.
 * Variants, interleaved in one process:
 *   none     a Runtime without spend
 *   spend    createSpend as observer + beforeModel hook, no budgets (3 ledger commits per run)
 *   budgets  the same with an owner budget and a key budget set (each call checks 4 totals)
 * Prints p50 wall time per run and the difference to `none`; CPU time per run (process.cpuUsage)
 * too, which other processes on a shared machine disturb less.
 *
 * Run: npm run bench:spend   (builds dist/ first)
 */
import { Agent, createMemoryStorage, type Model, Runtime, tool } from 'agentloop'
import { createSpend } from 'agentloop/server'
import { z } from 'zod'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

/** Two tool calls, then the answer; usage on every call. */
const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'bench-model',
  generate: () => Promise.reject(new Error('not used')),
  async *stream(request) {
    const turn = request.messages.filter((message) => message.role === 'tool').length
    if (turn < 2) {
      yield { type: 'tool.call.start', callId: `c${turn}`, name: 'add' }
      yield { type: 'tool.call.delta', callId: `c${turn}`, delta: '{"a":1,"b":2}' }
      yield { type: 'tool.call.end', callId: `c${turn}` }
      yield {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 100, outputTokens: 10, totalTokens: 110 },
      }
      return
    }
    yield { type: 'text.delta', delta: 'done' }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 120, outputTokens: 5, totalTokens: 125 },
    }
  },
}

async function variant(kind: 'none' | 'spend' | 'budgets') {
  const storage = createMemoryStorage()
  const agent = new Agent({ name: 'bench', model, tools: [add] })
  if (kind === 'none') {
    const runtime = new Runtime({ storage, agents: [agent] })
    return { kind, runtime, before: async () => {}, after: async () => {} }
  }
  const spend = createSpend({ storage, prices: { 'bench:bench-model': { input: 1, output: 2 } } })
  const runtime = new Runtime({ storage, agents: [agent], observers: [spend], hooks: [spend.hooks] })
  if (kind === 'budgets') {
    await spend.budgets.put('owner', 'team-a', { tokensPerDay: 1e12, costPerMonth: 1e12 }, 'bench')
    await spend.budgets.put('key', 'k1', { tokensPerMonth: 1e12 }, 'bench')
  }
  return {
    kind,
    runtime,
    before: async (runId: string) => spend.attribute({ runId, owner: 'team-a', keyId: 'k1' }),
    // the ledger writes of the run's last call finish after the run: they count too
    after: () => spend.flush(),
  }
}

const RUNS = Number(process.env.BENCH_RUNS ?? 300)
const variants = [await variant('none'), await variant('spend'), await variant('budgets')]
const wall = new Map<string, number[]>(variants.map((entry) => [entry.kind, []]))
const cpu = new Map<string, number>(variants.map((entry) => [entry.kind, 0]))
for (let index = 0; index < RUNS + 20; index++) {
  for (const entry of variants) {
    const runId = `${entry.kind}-${index}`
    await entry.before(runId)
    const started = performance.now()
    const usage = process.cpuUsage()
    await entry.runtime.run(entry.runtime.agents[0] as Agent, 'go', { runId })
    await entry.after()
    const spent = process.cpuUsage(usage)
    // the first 20 rounds warm up
    if (index >= 20) {
      wall.get(entry.kind)?.push(performance.now() - started)
      cpu.set(entry.kind, (cpu.get(entry.kind) ?? 0) + (spent.user + spent.system) / 1000)
    }
  }
}
const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const base = p50(wall.get('none') ?? [])
const baseCpu = (cpu.get('none') ?? 0) / RUNS
console.log(`spend: ${RUNS} runs per variant, 3 model calls + 2 tool calls each, memory storage`)
for (const entry of variants) {
  const median = p50(wall.get(entry.kind) ?? [])
  const perRun = (cpu.get(entry.kind) ?? 0) / RUNS
  console.log(
    `${entry.kind.padEnd(8)} wall p50 ${median.toFixed(3)} ms (${entry.kind === 'none' ? 'baseline' : `+${(median - base).toFixed(3)} ms`}), cpu ${perRun.toFixed(3)} ms/run (${entry.kind === 'none' ? 'baseline' : `+${(perRun - baseCpu).toFixed(3)} ms`})`,
  )
}
