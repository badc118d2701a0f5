/**
 * Where the file store stops being the right choice: the same work on the file store and on
 * SQLite (WAL, synchronous=NORMAL and the file store's `process` durability, the fair pair; FULL
 * and `full` for one size) with 100, 1000 and 3000 stored runs. Each run is a run record, a
 * checkpoint of about 5 KB and 10 events. Measured in a fresh process view (a new storage object,
 * as after a restart or in another worker):
 *
 * - open + load one run's checkpoint (what resume does),
 * - list the 20 newest runs,
 * - read one run's events (what an SSE client that reconnects does),
 * - a checkpoint save (compare-and-set) once warm.
 *
 * Run: npm run bench:file   (builds dist/ first)
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunEvent, Storage } from 'agentloop'
import { createFileStorage } from 'agentloop/file'
import { createSqliteStorage } from 'agentloop/sqlite'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-file-bench-'))

function snapshot(runId: string, turn: number) {
  return {
    version: 1,
    runId,
    turn,
    messages: Array.from({ length: 20 }, (_, index) => ({
      role: index % 2 === 0 ? 'user' : 'assistant',
      content:
        `Message ${index} of run ${runId}: some text about hotels in Lisbon, prices and availability.`.repeat(
          2,
        ),
    })),
  }
}

function events(runId: string): RunEvent[] {
  return Array.from(
    { length: 10 },
    (_, index) =>
      ({
        type: 'text.delta',
        runId,
        seq: index + 1,
        time: Date.now(),
        delta: 'some words ',
      }) as unknown as RunEvent,
  )
}

async function populate(storage: Storage, runs: number) {
  for (let index = 0; index < runs; index++) {
    const runId = `run-${index}`
    await storage.runs.save({
      runId,
      agentName: 'travel',
      status: 'completed',
      snapshot: snapshot(runId, 1),
      events: events(runId),
    })
  }
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now()
  await work()
  return performance.now() - started
}

async function measure(name: string, create: () => Storage, runs: number, target: string) {
  const writer = create()
  const populateMs = await timed(() => populate(writer, runs))
  await writer.close()
  const fresh = () => create()
  const middle = `run-${Math.floor(runs / 2)}`
  let storage = fresh()
  const loadMs = await timed(() => storage.runs.load(middle))
  await storage.close()
  storage = fresh()
  const listMs = await timed(() => storage.runs.list({ limit: 20 }))
  await storage.close()
  storage = fresh()
  const eventsMs = await timed(() => storage.runs.readEvents(middle))
  // warm checkpoint saves on the same storage
  let { revision } = await storage.runs.save({
    runId: 'hot',
    agentName: 'travel',
    status: 'running',
    snapshot: snapshot('hot', 0),
  })
  const saves: number[] = []
  for (let turn = 1; turn <= 30; turn++) {
    const started = performance.now()
    const saved = await storage.runs.save({
      runId: 'hot',
      agentName: 'travel',
      status: 'running',
      snapshot: snapshot('hot', turn),
      expectedRevision: revision,
    })
    saves.push(performance.now() - started)
    revision = saved.revision
  }
  await storage.close()
  saves.sort((left, right) => left - right)
  const size = execFileSync('du', ['-sk', target], { encoding: 'utf8' }).split('\t')[0]
  console.log(
    `${name.padEnd(24)} ${String(runs).padStart(5)}  ${(populateMs / runs).toFixed(2).padStart(8)}  ${loadMs
      .toFixed(1)
      .padStart(8)}  ${listMs.toFixed(1).padStart(8)}  ${eventsMs.toFixed(1).padStart(8)}  ${(
      saves[15] as number
    )
      .toFixed(2)
      .padStart(8)}  ${String(size).padStart(8)}`,
  )
}

// load the record schemas (zod) once, so the first measurement does not pay for it
{
  const warm = createFileStorage({ dir: join(directory, 'warm-up') })
  await warm.runs.save({ runId: 'w', agentName: 'travel', status: 'completed', snapshot: snapshot('w', 1) })
  await warm.runs.load('w')
  await warm.close()
}

console.log(
  'backend                   runs  write/run  cold load  cold list  cold events  warm save  disk KB   (times in ms)',
)
for (const runs of [100, 1000, 3000]) {
  const fileDir = join(directory, `file-${runs}`)
  await measure(
    'file (process)',
    () => createFileStorage({ dir: fileDir, durability: 'process' }),
    runs,
    fileDir,
  )
  const sqlitePath = join(directory, `sqlite-${runs}.db`)
  await measure(
    'sqlite (NORMAL)',
    () => createSqliteStorage({ path: sqlitePath, synchronous: 'NORMAL' }),
    runs,
    sqlitePath,
  )
}
const fullDir = join(directory, 'file-full')
await measure('file (full)', () => createFileStorage({ dir: fullDir }), 100, fullDir)
const fullPath = join(directory, 'sqlite-full.db')
await measure('sqlite (FULL)', () => createSqliteStorage({ path: fullPath }), 100, fullPath)
rmSync(directory, { recursive: true, force: true })
