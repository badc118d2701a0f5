/**
 * The context budget's cost. Figures:
 *  1. counting throughput (tokens/s) of the estimate and of exact OpenAI counting (gpt-tokenizer);
 *  2. the estimate's error against the exact encodings on the mixed corpus in test/__fixtures__/tokenizer;
 *  3. the budget check of one turn on a 100k-token history after the first count (target < 1 ms);
 *  4. a whole 500-turn run (a tool call per turn) through a small context window, compacted on
 *     almost every turn, against the same run with a window it never fills and with the default budget.
 *
 * Run: npm run bench:context   (builds dist/ first)
 */
import { readFileSync } from 'node:fs'
import {
  Agent,
  estimateTokenizer,
  type Message,
  type Model,
  type ModelCapabilities,
  type ModelStreamPart,
  openaiTokenizer,
  run,
  tool,
} from 'agentloop'
import { z } from 'zod'
// Internals measured directly (not public API): the token counter and the raw estimate.
import { estimateTokens } from '../src/context/estimate-tokenizer.js'
import { counterFor, TokenCounter } from '../src/context/token-counter.js'

const corpusDir = new URL('../test/__fixtures__/tokenizer/', import.meta.url)
const corpus: Record<string, string> = {
  prose: readFileSync(new URL('prose.md', corpusDir), 'utf8'),
  code: readFileSync(new URL('code.ts.txt', corpusDir), 'utf8'),
  json: readFileSync(new URL('data.json', corpusDir), 'utf8'),
  'non-Latin': readFileSync(new URL('non-latin.txt', corpusDir), 'utf8'),
}
const mixed = Object.values(corpus).join('\n')

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - start) / 1e6
}

// 1. Throughput.
const exact = openaiTokenizer('o200k_base')
await exact.load?.()
const cl100k = openaiTokenizer('cl100k_base')
await cl100k.load?.()
const text = mixed.repeat(20)
const exactTokens = exact.count(text)
const estimateMs = median(Array.from({ length: 7 }, () => time(() => estimateTokens(text))))
const exactMs = median(Array.from({ length: 7 }, () => time(() => exact.count(text))))
console.log(
  `1. counting throughput on ${(text.length / 1e6).toFixed(2)} M chars (${exactTokens} o200k tokens):`,
)
console.log(`   estimate              ${(((exactTokens / estimateMs) * 1000) / 1e6).toFixed(1)} M tokens/s`)
console.log(`   exact (o200k_base)    ${(((exactTokens / exactMs) * 1000) / 1e6).toFixed(1)} M tokens/s`)

// 2. Accuracy.
console.log('2. estimate error against the exact count (positive = estimate is high):')
for (const [kind, sample] of Object.entries(corpus)) {
  const estimate = estimateTokens(sample)
  const o200k = exact.count(sample)
  const cl = cl100k.count(sample)
  const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1).padStart(6)}%`
  console.log(
    `   ${kind.padEnd(10)} o200k ${pct(estimate, o200k)}   cl100k ${pct(estimate, cl)}   (${o200k} tokens)`,
  )
}

// 3. The budget check of one turn on a 100k-token history, after the first count.
const counter = counterFor(estimateTokenizer)
const history: Message[] = []
const paragraph = corpus.prose?.slice(0, 800) ?? ''
while (counter.messages(history) < 100_000) {
  history.push({ role: 'user', content: `${history.length}: ${paragraph}` })
  history.push({ role: 'assistant', content: `Noted ${history.length}.` })
}
const tools = [{ name: 'lookup', description: 'Look up', parameters: { type: 'object' }, strict: true }]
const fresh = () => history.map((message) => ({ ...message }) as Message)
const cold = median(
  Array.from({ length: 5 }, () => {
    const copy = fresh()
    const coldCounter = new TokenCounter(estimateTokenizer)
    return time(() => coldCounter.request({ instructions: 'Be brief.', tools, messages: copy }))
  }),
)
const warm: number[] = []
const turnHistory = fresh()
counter.request({ instructions: 'Be brief.', tools, messages: turnHistory })
for (let turn = 0; turn < 200; turn++) {
  turnHistory.push({ role: 'user', content: `turn ${turn}: ${paragraph.slice(0, 200)}` })
  warm.push(time(() => counter.request({ instructions: 'Be brief.', tools, messages: turnHistory })))
}
const p99 = [...warm].sort((a, b) => a - b)[Math.floor(warm.length * 0.99)] ?? 0
console.log(
  `3. budget check, ${history.length}-message history of ${counter.messages(history)} tokens: first count ${cold.toFixed(2)} ms, then ${(median(warm) * 1000).toFixed(1)} us per turn (median; p99 ${(p99 * 1000).toFixed(1)} us; target < 1 ms)`,
)

// 4. Whole runs: 500 turns, each a tool call with a 2,000-character result, then an answer.
const TURNS = 500
const page = tool({
  name: 'page',
  description: 'Read page n',
  parameters: z.object({ n: z.number() }),
  execute: ({ n }) => `page ${n}: ${paragraph.repeat(3).slice(0, 2000)}`,
})
function turnModel(capabilities: ModelCapabilities): Model {
  return {
    specificationVersion: 'agentloop.model.v1',
    provider: 'bench',
    modelId: 'bench-model',
    capabilities,
    async *stream(request): AsyncIterable<ModelStreamPart> {
      const turn = request.messages.filter((message) => message.role === 'tool').length
      const last = request.messages[request.messages.length - 1]
      const done = last?.role === 'tool' && last.content.startsWith(`page ${TURNS}:`)
      yield { type: 'response.start' }
      if (done) yield { type: 'text.delta', delta: 'done' }
      else {
        const callId = `c${turn}_${request.messages.length}`
        yield { type: 'tool.call.start', callId, name: 'page' }
        const n =
          request.messages.length < 3
            ? 1
            : Number(/^page (\d+):/.exec(last?.role === 'tool' ? last.content : '')?.[1] ?? 0) + 1
        yield { type: 'tool.call.delta', callId, delta: JSON.stringify({ n }) }
        yield { type: 'tool.call.end', callId }
      }
      yield {
        type: 'finish',
        finishReason: done ? 'stop' : 'tool-calls',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      }
    },
    async generate() {
      throw new Error('not used')
    },
  }
}
async function timeRun(capabilities: ModelCapabilities): Promise<{ ms: number; turns: number }> {
  const agent = new Agent({
    name: 'bench',
    model: turnModel(capabilities),
    tools: [page],
    maxTurns: TURNS + 1,
    context: { tokenizer: 'estimate' },
  })
  const start = process.hrtime.bigint()
  const result = await run(agent, 'Read all pages.')
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, turns: result.turns }
}
const runs = { none: [] as number[], roomy: [] as number[], small: [] as number[] }
let turns = 0
for (let round = 0; round < 5; round++) {
  runs.none.push((await timeRun({})).ms)
  runs.roomy.push((await timeRun({ contextWindow: 10_000_000, maxOutputTokens: 1000 })).ms)
  const small = await timeRun({ contextWindow: 16_000, maxOutputTokens: 1000 })
  runs.small.push(small.ms)
  turns = small.turns
}
const perTurn = (values: number[]) => (median(values) / turns) * 1000
console.log(
  `4. a ${turns}-turn run (history grows to ~${Math.round((TURNS * 2100) / 4 / 1000)}k tokens), per turn (median of 5 runs):`,
)
// Every call has a budget (a model without a declared window gets the default one), so the
// baseline is a window the run never fills.
console.log(`   budget checked, never over            ${perTurn(runs.roomy).toFixed(1)} us`)
console.log(
  `   default budget (no window declared)   ${perTurn(runs.none).toFixed(1)} us  (+${(perTurn(runs.none) - perTurn(runs.roomy)).toFixed(1)} us for compaction once over 32k)`,
)
console.log(
  `   16k window, compacted on most turns   ${perTurn(runs.small).toFixed(1)} us  (+${(perTurn(runs.small) - perTurn(runs.roomy)).toFixed(1)} us for compaction)`,
)
