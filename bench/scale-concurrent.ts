/**
 * Concurrent durable runs on SQLite: 100 runs in flight at a time (the agent of
 * bench/durable-runs.ts: 3 model calls, 2 tool calls, 8 checkpoints per run), with one
 * transaction per checkpoint (`groupCommit: false`, as before group commit) and with group commit
 * (the default). Prints runs per second and the p99 time of one run.
 */
import { Agent, Runtime, tool } from 'agentloop'
import { durableAgent } from './durable-workload.js'
import { type BenchBackend, sqliteBackend } from './scale-backends.js'

const IN_FLIGHT = Number(process.env.SCALE_IN_FLIGHT ?? 100)
const TOTAL = Number(process.env.SCALE_CONCURRENT_RUNS ?? 1000)

const agent = durableAgent({ Agent, tool })

async function throughput(backend: BenchBackend): Promise<{ runsPerSecond: number; p99: number }> {
  const storage = backend.open()
  const runtime = new Runtime({ storage, agents: [agent] })
  try {
    for (let index = 0; index < 20; index++) await runtime.run(agent, 'warm up')
    const latencies: number[] = []
    let started = 0
    const start = performance.now()
    const worker = async () => {
      while (started < TOTAL) {
        started++
        const runStart = performance.now()
        await runtime.run(agent, 'What is 2 + 3?')
        latencies.push(performance.now() - runStart)
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    const seconds = (performance.now() - start) / 1000
    latencies.sort((left, right) => left - right)
    return {
      runsPerSecond: TOTAL / seconds,
      p99: latencies[Math.floor(latencies.length * 0.99)] as number,
    }
  } finally {
    await storage.close()
    await backend.cleanUp()
  }
}

/** Prints the concurrent throughput, before (one transaction per checkpoint) and after (group commit). */
export async function concurrentSection(): Promise<void> {
  console.log(`\nconcurrent durable runs on SQLite: ${TOTAL} runs, ${IN_FLIGHT} in flight`)
  for (const synchronous of (process.env.SCALE_SYNCHRONOUS ?? 'FULL,NORMAL').split(',') as (
    | 'FULL'
    | 'NORMAL'
  )[]) {
    const before = await throughput(sqliteBackend(synchronous, false))
    const after = await throughput(sqliteBackend(synchronous, true))
    console.log(
      `  ${synchronous.padEnd(6)} one transaction per checkpoint ${before.runsPerSecond.toFixed(0).padStart(5)} runs/s (p99 ${before.p99.toFixed(0)} ms)   group commit ${after.runsPerSecond
        .toFixed(0)
        .padStart(
          5,
        )} runs/s (p99 ${after.p99.toFixed(0)} ms)   x${(after.runsPerSecond / before.runsPerSecond).toFixed(1)}`,
    )
  }
}
