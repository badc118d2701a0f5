/**
 * Two builds of agentloop, side by side, on the BullMQ runner (the workload of bench/queue.ts: runs
 * of one model call, 3 worker processes of concurrency 64, Redis storage and bus). Rounds alternate
 * the builds (A B, B A, ...); each round measures the CPU per run of the submitter, the workers and
 * the Redis server, and the Redis commands per run (`INFO commandstats`, reset per round). Give it a
 * Redis server of its own: it resets its statistics and flushes it after each round.
 *
 *   npm run build && mkdir -p node_modules/.ab && cp -r dist node_modules/.ab/after
 *   (the same from the other commit into node_modules/.ab/before), then
 *   cp bench/queue-ab.mjs node_modules/.ab/ && redis-server --port 6391 --save '' &
 *   ROUNDS=4 node node_modules/.ab/queue-ab.mjs before after
 *
 * env: REDIS_URL (default redis://127.0.0.1:6391), RUNS (2000), ROUNDS (3), WORKERS (3),
 * PROF=<dir> (CPU profiles of the last round's processes).
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'

const here = fileURLToPath(new URL('.', import.meta.url))
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6391'
const RUNS = Number(process.env.RUNS ?? 2000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const WORKERS = Number(process.env.WORKERS ?? 3)
const PROF = process.env.PROF

async function load(build) {
  const main = await import(`${here}${build}/index.js`)
  const redis = await import(`${here}${build}/storage/redis/index.js`)
  return { ...main, ...redis }
}
const model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'one-call',
  async *stream() {
    yield { type: 'response.start' }
    yield { type: 'text.delta', delta: 'done' }
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }
  },
  async generate() {
    return {
      content: [{ type: 'text', text: 'done' }],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    }
  },
}
function runtimeOf(m, prefix, worker) {
  return new m.Runtime({
    storage: m.createRedisStorage({ url: REDIS_URL, prefix: `${prefix}:store:` }),
    queue: m.createBullMqQueue({ url: REDIS_URL, prefix }),
    bus: m.createRedisEventBus({ url: REDIS_URL, prefix }),
    agents: [new m.Agent({ name: 'one-call', model })],
    runner: worker ? { concurrency: 64 } : { worker: false },
  })
}
async function profiler() {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async (file) => {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(file, JSON.stringify(profile))
  }
}
if (process.argv[2] === 'worker') {
  const [, , , build, prefix] = process.argv
  const m = await load(build)
  const runtime = runtimeOf(m, prefix, true)
  await runtime.work()
  let stop
  process.on('SIGUSR2', async () => {
    stop = await profiler()
  })
  process.on('SIGTERM', async () => {
    if (stop) await stop(`${PROF}/${build}-worker-${process.pid}.cpuprofile`)
    await runtime.close({ graceMs: 1000 })
    process.exit(0)
  })
  process.stdout.write('ready\n')
} else {
  const builds = process.argv.slice(2)
  const mods = Object.fromEntries(await Promise.all(builds.map(async (b) => [b, await load(b)])))
  const admin = new Redis(REDIS_URL)
  const cpuOf = (pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  }
  const redisCpu = async () => {
    const info = await admin.info('cpu')
    const r = (n) => Number(new RegExp(`${n}:([0-9.]+)`).exec(info)[1])
    return r('used_cpu_user') + r('used_cpu_sys')
  }
  const stats = async () => {
    const info = await admin.info('commandstats')
    const out = {}
    for (const m of info.matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g))
      out[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) }
    return out
  }
  const results = Object.fromEntries(builds.map((b) => [b, []]))
  if (PROF) mkdirSync(PROF, { recursive: true })
  for (let round = 0; round < ROUNDS; round++) {
    for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
      const m = mods[build]
      const prefix = `ab-${build}-${round}`
      const children = []
      for (let i = 0; i < WORKERS; i++) {
        const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'worker', build, prefix], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: process.env,
        })
        children.push(child)
        await new Promise((r) => child.stdout.once('data', r))
      }
      const runtime = runtimeOf(m, prefix, false)
      const batch = async (n) => {
        const ids = await Promise.all(Array.from({ length: n }, () => runtime.submit('one-call', 'go')))
        await Promise.all(ids.map(({ runId }) => runtime.wait(runId)))
      }
      await batch(300)
      await new Promise((r) => setTimeout(r, 200))
      let stopSelf
      if (PROF && round === ROUNDS - 1) {
        for (const c of children) c.kill('SIGUSR2')
        stopSelf = await profiler()
      }
      await admin.config('RESETSTAT')
      const before = {
        self: process.cpuUsage(),
        workers: children.map((c) => cpuOf(c.pid)),
        redis: await redisCpu(),
      }
      const started = performance.now()
      await batch(RUNS)
      const wall = performance.now() - started
      const self = process.cpuUsage(before.self)
      const workers = children.reduce((s, c, i) => s + cpuOf(c.pid) - before.workers[i], 0)
      const redis = (await redisCpu()) - before.redis
      const cmd = await stats()
      if (stopSelf) await stopSelf(`${PROF}/${build}-submitter.cpuprofile`)
      const perRun = (s) => (s * 1e6) / RUNS
      const r = {
        rate: RUNS / (wall / 1000),
        self: perRun((self.user + self.system) / 1e6),
        workers: perRun(workers),
        redis: perRun(redis),
      }
      r.total = r.self + r.workers + r.redis
      r.calls = Object.fromEntries(Object.entries(cmd).map(([k, v]) => [k, +(v.calls / RUNS).toFixed(2)]))
      r.callsTotal =
        Object.entries(cmd)
          .filter(([k]) => k !== 'info' && k !== 'config')
          .reduce((s2, [, v]) => s2 + v.calls, 0) / RUNS
      r.cmdUsec = Object.values(cmd).reduce((s, v) => s + v.usec, 0) / RUNS
      results[build].push(r)
      console.log(
        `round ${round} ${build}: ${r.rate.toFixed(0)} runs/s; CPU/run submitter ${r.self.toFixed(0)} workers ${r.workers.toFixed(0)} redis ${r.redis.toFixed(0)} total ${r.total.toFixed(0)} us (cmd usec ${r.cmdUsec.toFixed(0)}); load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
      )
      await Promise.all(
        children.map(
          (c) =>
            new Promise((res) => {
              c.once('exit', res)
              c.kill('SIGTERM')
            }),
        ),
      )
      await runtime.close()
      await admin.flushall()
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    return s[Math.floor(s.length / 2)]
  }
  for (const b of builds) {
    const rs = results[b]
    console.log(
      `${b} median: ${median(rs.map((r) => r.rate)).toFixed(0)} runs/s; CPU/run submitter ${median(rs.map((r) => r.self)).toFixed(0)} workers ${median(rs.map((r) => r.workers)).toFixed(0)} redis ${median(rs.map((r) => r.redis)).toFixed(0)} total ${median(rs.map((r) => r.total)).toFixed(0)} us`,
    )
    console.log(
      `  redis commands/run (scripts and the commands inside them): ${rs.at(-1).callsTotal.toFixed(1)}; ${JSON.stringify(rs.at(-1).calls)}`,
    )
  }
  if (builds.length === 2) {
    const [a, b] = builds.map((x) => results[x])
    console.log(
      'paired ratios (B/A) total:',
      a.map((r, i) => (b[i].total / r.total).toFixed(2)).join(' '),
      ' submitter:',
      a.map((r, i) => (b[i].self / r.self).toFixed(2)).join(' '),
      ' workers:',
      a.map((r, i) => (b[i].workers / r.workers).toFixed(2)).join(' '),
      ' redis:',
      a.map((r, i) => (b[i].redis / r.redis).toFixed(2)).join(' '),
    )
  }
  await admin.quit()
  process.exit(0)
}
