/**
 * The command line's own costs, against the built package as users run it:
 *   - start-up: `agentloop --version` (load the bin and commander) and `agentloop runs list`
 *     (also load the config search, open SQLite, read a page), cold processes, median of 10;
 *   - the circuit breaker's overhead per model call: a wrapped model against the same model bare,
 *     200,000 `generate` calls each, in one process.
 *
 * Run: npm run bench:cli   (builds dist/ first)
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Model } from 'agentloop'
import { createCircuitBreakers } from 'agentloop/config'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'dist/cli/main.js')

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

function startup(args: string[], cwd: string): number {
  const samples: number[] = []
  for (let index = 0; index < 10; index++) {
    const started = performance.now()
    const child = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' })
    samples.push(performance.now() - started)
    if (child.status !== 0)
      throw new Error(`agentloop ${args.join(' ')} exited ${child.status}: ${child.stderr}`)
  }
  return median(samples)
}

const response = {
  content: [{ type: 'text', text: 'ok' }],
  outputText: 'ok',
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
}
const bare = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'instant',
  generate: async () => response,
  async *stream() {},
} as unknown as Model

async function perCall(model: Model, calls: number): Promise<number> {
  const request = { messages: [{ role: 'user' as const, content: 'Hi' }] }
  for (let index = 0; index < 10_000; index++) await model.generate(request) // warm-up
  const started = performance.now()
  for (let index = 0; index < calls; index++) await model.generate(request)
  return ((performance.now() - started) * 1000) / calls // µs per call
}

const cwd = mkdtempSync(join(tmpdir(), 'agentloop-bench-cli-'))
const version = startup(['--version'], cwd)
const list = startup(['runs', 'list'], cwd)
const bareNode = (() => {
  const samples: number[] = []
  for (let index = 0; index < 10; index++) {
    const started = performance.now()
    spawnSync(process.execPath, ['-e', ''])
    samples.push(performance.now() - started)
  }
  return median(samples)
})()

const calls = 200_000
const plain = await perCall(bare, calls)
const guarded = await perCall(createCircuitBreakers().wrap(bare), calls)
const shared = await perCall(createCircuitBreakers({ failureRate: 0.5 }).wrap(bare), calls)

console.log('agentloop command start-up (median of 10 cold processes)')
console.log(`  node -e ''                 ${bareNode.toFixed(1)} ms (the floor: Node itself)`)
console.log(`  agentloop --version        ${version.toFixed(1)} ms`)
console.log(`  agentloop runs list        ${list.toFixed(1)} ms (opens SQLite, reads one page)`)
console.log(`circuit breaker overhead (${calls.toLocaleString('en')} generate calls each)`)
console.log(`  bare model                 ${plain.toFixed(3)} µs/call`)
console.log(
  `  breakers.wrap (defaults)   ${guarded.toFixed(3)} µs/call (+${(guarded - plain).toFixed(3)} µs)`,
)
console.log(`  registry, failure rate on  ${shared.toFixed(3)} µs/call (+${(shared - plain).toFixed(3)} µs)`)
