/**
 * The CPU cost of a durable checkpoint, this build against another one, in one process: the agent
 * of bench/durable-runs.ts (8 checkpoints per run) run without storage and with SQLite
 * (synchronous=NORMAL) on both builds, rounds alternated, medians of CPU time (process.cpuUsage)
 * and wall time per run. Per checkpoint = (run with storage - run without) / 8.
 *
 * Run: copy dist/ of the base build to BASE (default node_modules/.base-dist: inside node_modules so
 * that its imports resolve), then npm run bench:durable-compare (builds dist/ first).
 * ROUNDS (default 11), RUNS per round (default 100), MODE: a list of sqlite (NORMAL), memory,
 * postgres, redis (DATABASE_URL / REDIS_URL), or both (sqlite,memory); default sqlite.
 * SYNCHRONOUS (NORMAL, the default, or FULL: the SQLite mode of both builds),
 * IN_FLIGHT (default 1: sequential runs; more: that many runs at a time, throughput printed too),
 * BUILDS=name=dir,name=dir (default base=$BASE,now=dist) to compare other builds.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { durableAgent } from './durable-workload.js'

const ROUNDS = Number(process.env.ROUNDS ?? 11)
const RUNS = Number(process.env.RUNS ?? 100)
const BASE = resolve(process.env.BASE ?? 'node_modules/.base-dist')
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 1)
const SYNCHRONOUS = (process.env.SYNCHRONOUS ?? 'NORMAL') as 'FULL' | 'NORMAL'
const MODES = (process.env.MODE ?? 'sqlite').replace('both', 'sqlite,memory').split(',')

type Lib = typeof import('agentloop')
type Sqlite = typeof import('agentloop/sqlite')

async function load(dir: string): Promise<{ lib: Lib; sqlite: Sqlite }> {
  const lib = (await import(pathToFileURL(join(dir, 'index.js')).href)) as Lib
  const sqlite = (await import(pathToFileURL(join(dir, 'storage/sqlite/index.js')).href)) as Sqlite
  return { lib, sqlite }
}

/** A storage of `mode` for the build `label` (its own file, schema or key prefix). */
async function open(mode: string, label: string, dir: string, lib: Lib, sqlite: Sqlite) {
  const tag = `cmp_${process.pid}_${label}`
  switch (mode) {
    case 'memory':
      return lib.createMemoryStorage()
    case 'postgres': {
      const { createPostgresStorage } = (await import(
        pathToFileURL(join(buildDirs[label] as string, 'storage/postgres/index.js')).href
      )) as typeof import('agentloop/postgres')
      cleanUps.push(async () => {
        const pg = await import('pg')
        const client = new pg.default.Client({ connectionString: DATABASE_URL })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS ${tag} CASCADE`)
        await client.end()
      })
      return createPostgresStorage({ connectionString: DATABASE_URL, schema: tag })
    }
    case 'redis': {
      const { createRedisStorage } = (await import(
        pathToFileURL(join(buildDirs[label] as string, 'storage/redis/index.js')).href
      )) as typeof import('agentloop/redis')
      return createRedisStorage({ url: REDIS_URL, prefix: `${tag}:` })
    }
    default:
      return sqlite.createSqliteStorage({ path: join(dir, `${label}.sqlite`), synchronous: SYNCHRONOUS })
  }
}
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const cleanUps: (() => Promise<void>)[] = []
const buildDirs: Record<string, string> = {}

const dir = mkdtempSync(join(tmpdir(), 'agentloop-durable-compare-'))
const builds: Record<string, { lib: Lib; sqlite: Sqlite }> = {}
for (const entry of (process.env.BUILDS ?? `base=${BASE},now=dist`).split(',')) {
  const [label, path] = entry.split('=') as [string, string]
  builds[label] = await load(resolve(path))
  buildDirs[label] = resolve(path)
}
type Variant = { name: string; round: () => Promise<{ cpu: number; wall: number }> }
/** RUNS runs, IN_FLIGHT at a time. */
async function runAll(run: () => Promise<unknown>): Promise<void> {
  let started = 0
  const worker = async () => {
    while (started < RUNS) {
      started++
      await run()
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
}
const variants: Variant[] = []
for (const [label, { lib, sqlite }] of Object.entries(builds)) {
  const agent = durableAgent(lib)
  const plain = new lib.Runtime({})
  const runtimes: [string, InstanceType<Lib['Runtime']>][] = [[`${label} no storage`, plain]]
  for (const mode of MODES) {
    const storage = await open(mode, label, dir, lib, sqlite)
    runtimes.push([`${label} ${mode}`, new lib.Runtime({ storage, agents: [agent] })])
  }
  for (const [name, runtime] of runtimes) {
    for (let i = 0; i < 30; i++) await runtime.run(agent, 'warm up')
    variants.push({
      name,
      async round() {
        const cpu = process.cpuUsage()
        const start = process.hrtime.bigint()
        await runAll(() => runtime.run(agent, 'What is 2 + 3?'))
        const used = process.cpuUsage(cpu)
        return {
          cpu: (used.user + used.system) / RUNS,
          wall: Number(process.hrtime.bigint() - start) / 1e3 / RUNS,
        }
      },
    })
  }
}
const samples = new Map<string, { cpu: number[]; wall: number[] }>()
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse()
  for (const variant of order) {
    const { cpu, wall } = await variant.round()
    const entry = samples.get(variant.name) ?? { cpu: [], wall: [] }
    entry.cpu.push(cpu)
    entry.wall.push(wall)
    samples.set(variant.name, entry)
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}
const { loadavg } = await import('node:os')
console.log(
  `${ROUNDS} rounds of ${RUNS} runs, ${IN_FLIGHT} in flight, medians per run (load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}):`,
)
for (const [name, { cpu, wall }] of samples) {
  const [label] = name.split(' ')
  const base = samples.get(`${label} no storage`) as { cpu: number[]; wall: number[] }
  const extra = name.endsWith('no storage')
    ? ''
    : `  per checkpoint: +${((median(cpu) - median(base.cpu)) / 8).toFixed(0)} us CPU, +${((median(wall) - median(base.wall)) / 8).toFixed(0)} us wall`
  console.log(
    `  ${name.padEnd(22)} CPU ${median(cpu).toFixed(0).padStart(6)} us  wall ${median(wall).toFixed(0).padStart(6)} us (${(1e6 / median(wall)).toFixed(0)} runs/s)${extra}`,
  )
}
rmSync(dir, { recursive: true, force: true })
for (const cleanUp of cleanUps) await cleanUp()
process.exit(0)
