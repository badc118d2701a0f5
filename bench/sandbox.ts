/**
 * The cost of a sandbox call. Cold: the first call of a process-fresh pool (spawn a worker thread,
 * load and compile QuickJS, run). Warm: later calls on an idle worker (each still creates and frees
 * a fresh QuickJS runtime and context, evaluates the prelude and the snippet, and copies the
 * result out as JSON). Runs against the built package, like a user's code.
 *
 * Run: npm run bench:sandbox   (builds dist/ first)
 */
import { availableParallelism } from 'node:os'
import { closeSandboxWorkers, executeInSandbox, runInSandbox, setMaxSandboxWorkers } from 'agentloop/sandbox'

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number
}

function summary(samples: number[]): { median: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  const mean = samples.reduce((total, value) => total + value, 0) / samples.length
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95), mean }
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}

const ms = (value: number) => `${value.toFixed(2)} ms`

async function main(): Promise<void> {
  setMaxSandboxWorkers(availableParallelism())
  const trivial = 'result = 1 + 1'

  // Cold: close the pool before each call, so every call spawns a worker and loads QuickJS.
  const cold: number[] = []
  for (let index = 0; index < 8; index++) {
    await closeSandboxWorkers()
    await new Promise((resolve) => setTimeout(resolve, 50))
    cold.push(await time(() => runInSandbox(trivial)))
  }

  // Warm: sequential calls on the idle worker.
  for (let index = 0; index < 50; index++) await runInSandbox(trivial)
  const warm: number[] = []
  for (let index = 0; index < 500; index++) warm.push(await time(() => runInSandbox(trivial)))
  const guestTimes: number[] = []
  for (let index = 0; index < 200; index++) guestTimes.push((await executeInSandbox(trivial)).durationMs)

  // Warm with a 10 KB input and output, and with one host-function round trip.
  const items = Array.from({ length: 200 }, (_, index) => ({
    id: index,
    name: `item ${index}`,
    price: index * 1.5,
  }))
  const withData: number[] = []
  for (let index = 0; index < 200; index++) {
    withData.push(
      await time(() =>
        runInSandbox('return input.map((item) => ({ ...item, price: item.price * 2 }))', { input: items }),
      ),
    )
  }
  const withHost: number[] = []
  for (let index = 0; index < 200; index++) {
    withHost.push(
      await time(() =>
        runInSandbox('return await lookup(21)', { functions: { lookup: (value) => (value as number) * 2 } }),
      ),
    )
  }

  // Throughput: many concurrent calls over the pool.
  const concurrent = 400
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrent }, () => runInSandbox(trivial)))
  const throughput = concurrent / ((performance.now() - started) / 1000)
  await closeSandboxWorkers()

  const coldSummary = summary(cold)
  const warmSummary = summary(warm)
  console.log(
    `agentloop sandbox benchmark (node ${process.version}, ${availableParallelism()} CPUs, quickjs-emscripten release-sync)`,
  )
  console.log(
    `cold call (spawn worker + load QuickJS + run), ${cold.length} samples: median ${ms(coldSummary.median)}, p95 ${ms(coldSummary.p95)}`,
  )
  console.log(
    `warm call, trivial snippet, ${warm.length} samples: median ${ms(warmSummary.median)}, p95 ${ms(warmSummary.p95)}, mean ${ms(warmSummary.mean)}`,
  )
  console.log(
    `  of which inside the worker (fresh runtime + context + prelude + run + copy out): median ${ms(summary(guestTimes).median)}`,
  )
  console.log(
    `warm call, 10 KB JSON in and out: median ${ms(summary(withData).median)}, p95 ${ms(summary(withData).p95)}`,
  )
  console.log(
    `warm call, one host-function round trip: median ${ms(summary(withHost).median)}, p95 ${ms(summary(withHost).p95)}`,
  )
  console.log(
    `throughput, ${concurrent} concurrent trivial calls over ${availableParallelism()} workers: ${Math.round(throughput)} calls/s`,
  )
}

await main()
