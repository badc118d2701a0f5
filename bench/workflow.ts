/**
 * The workflow engine's own cost per node. Workloads (no-op handlers, so only the engine is
 * measured): a chain of 100 handler nodes; the same chain with a condition node between every two
 * handlers (expressions and templates evaluated); a parallel fan-out of 100 branches into a join.
 * Each in memory without checkpoints, with an in-memory checkpoint function that serialises every
 * state it is given (JSON.stringify), and on SQLite (storage.runs.save with compare-and-set, WAL,
 * synchronous=FULL, the default) as a durable run would; and registered on a Runtime with SQLite
 * storage (`runtime.run(workflow, ...)`: one stored run, every event stored in its log, the state
 * saved with each node's end in one write, incrementally: see docs/workflows.md).
 *
 * The two SQLite columns are measured in one process, their rounds alternated (ROUNDS, default 9,
 * of RUNS runs each, default 4), so that a change in the machine's load hits both; the last column
 * is their ratio, Runtime over bare checkpoint (the target: at most 1). The bare checkpoint writes
 * the whole state with every node, so its cost per node grows with the workflow's length; the
 * Runtime's does not, and it pays a few writes per run (submit, claim, run.end) on top.
 *
 * Run: npm run bench:workflow   (builds dist/ first; needs node --expose-gc, which the script passes)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Runtime, type Storage } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import {
  bindWorkflow,
  type NodeHandler,
  type WorkflowBuilder,
  type WorkflowDefinition,
  type WorkflowState,
  workflow,
} from 'agentloop/workflows'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined)
  throw new Error('Run the benchmark with node --expose-gc (npm run bench:workflow does).')

const noop: NodeHandler = { name: 'noop', idempotent: true, execute: () => undefined }
const sideEffect: NodeHandler = { name: 'effect', execute: () => undefined }

function chain(length: number, handler: string, withConditions: boolean): WorkflowDefinition {
  let builder: WorkflowBuilder<string> = workflow(`chain-${handler}-${withConditions}`)
    .node('start', { type: 'start' })
    .node('end', { type: 'end' })
  let previous = 'start'
  for (let index = 0; index < length; index++) {
    const id = `n${index}`
    builder = builder.node(id, {
      type: 'handler',
      handler,
      config: { step: '${index}', item: 'item ${index}' },
    })
    builder = builder.edge(previous, id)
    previous = id
    if (withConditions && index % 2 === 1) {
      const check = `c${index}`
      builder = builder.node(check, {
        type: 'condition',
        expression: `index >= 0 && n${index}.output == null`,
      })
      builder = builder.edge(previous, check)
      previous = check
    }
  }
  return builder.edge(previous, 'end').maxIterations(10).build()
}

function fanOut(width: number): WorkflowDefinition {
  let builder: WorkflowBuilder<string> = workflow('fan')
    .node('start', { type: 'start' })
    .node('split', { type: 'parallel' })
  builder = builder.node('join', { type: 'join' }).node('end', { type: 'end' }).edge('start', 'split')
  for (let index = 0; index < width; index++) {
    builder = builder
      .node(`b${index}`, { type: 'handler', handler: 'noop' })
      .edge('split', `b${index}`)
      .edge(`b${index}`, 'join')
  }
  return builder.edge('join', 'end').build()
}

type Checkpoint = ((state: WorkflowState) => unknown) | undefined

/** Median wall-clock and CPU (user + system) microseconds per node over 5 rounds. */
async function measure(
  definition: WorkflowDefinition,
  runs: number,
  warmups: number,
  checkpoint: () => Checkpoint,
): Promise<{ wall: number; cpu: number }> {
  const bound = bindWorkflow(definition, { handlers: [noop, sideEffect] })
  const nodes = definition.nodes.length
  for (let warm = 0; warm < warmups; warm++)
    await bound.run({ index: 1 }, { checkpoint: checkpoint() as never })
  gc?.()
  const walls: number[] = []
  const cpus: number[] = []
  for (let round = 0; round < 5; round++) {
    const cpu = process.cpuUsage()
    const started = process.hrtime.bigint()
    for (let run = 0; run < runs; run++)
      await bound.run({ index: run }, { checkpoint: checkpoint() as never })
    walls.push(Number(process.hrtime.bigint() - started) / 1000 / (runs * nodes))
    const used = process.cpuUsage(cpu)
    cpus.push((used.user + used.system) / (runs * nodes))
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[2] as number
  return { wall: median(walls), cpu: median(cpus) }
}

let serialisedBytes = 0
const inMemory = (): Checkpoint => (state) => {
  serialisedBytes += JSON.stringify(state).length
}

let counter = 0
function onStorage(storage: Storage): () => Checkpoint {
  return () => {
    const runId = `bench-${counter++}`
    let revision: number | null = null
    return async (state) => {
      const saved = await storage.runs.save({
        runId,
        agentName: `workflow:${state.workflow}`,
        status: state.status,
        snapshot: state as never,
        expectedRevision: revision,
      })
      revision = saved.revision
    }
  }
}

/** Wall-clock and CPU microseconds per node of `runs` runs of `run`. */
async function timeRuns(
  runs: number,
  nodes: number,
  run: (index: number) => Promise<void>,
): Promise<Figures> {
  const cpu = process.cpuUsage()
  const started = process.hrtime.bigint()
  for (let index = 0; index < runs; index++) await run(index)
  const used = process.cpuUsage(cpu)
  return {
    wall: Number(process.hrtime.bigint() - started) / 1000 / (runs * nodes),
    cpu: (used.user + used.system) / (runs * nodes),
  }
}

/**
 * The bare engine checkpointing to SQLite and the same workflow run by a Runtime on SQLite, their
 * rounds alternated (so a change in the machine's load hits both): medians per node.
 */
async function measureSqlite(
  definition: WorkflowDefinition,
  storage: Storage,
): Promise<{ checkpoint: Figures; runtime: Figures }> {
  const bound = bindWorkflow(definition, { handlers: [noop, sideEffect] })
  const runtime = new Runtime({ storage, runnables: [bound] })
  const nodes = definition.nodes.length
  const checkpoint = onStorage(storage)
  const bare = (index: number) =>
    bound.run({ index }, { checkpoint: checkpoint() as never }).then(() => undefined)
  const registered = async (index: number) => {
    const result = await runtime.run(bound, `{"index": ${index}}`)
    if (result.status !== 'completed') throw new Error(`the run ended ${result.status}`)
  }
  await timeRuns(1, nodes, bare)
  await timeRuns(1, nodes, registered)
  gc?.()
  const bares: Figures[] = []
  const runtimes: Figures[] = []
  for (let round = 0; round < SQLITE_ROUNDS; round++) {
    bares.push(await timeRuns(SQLITE_RUNS, nodes, bare))
    runtimes.push(await timeRuns(SQLITE_RUNS, nodes, registered))
  }
  await runtime.close()
  return { checkpoint: medianOf(bares), runtime: medianOf(runtimes) }
}

function medianOf(figures: Figures[]): Figures {
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
  return { wall: median(figures.map((each) => each.wall)), cpu: median(figures.map((each) => each.cpu)) }
}

/** Runs per round and rounds of the SQLite columns (each run writes about 100 checkpoints). */
const SQLITE_RUNS = Number(process.env.RUNS ?? 4)
const SQLITE_ROUNDS = Number(process.env.ROUNDS ?? 9)

const dir = mkdtempSync(join(tmpdir(), 'agentloop-bench-workflow-'))
const sqlite = createSqliteStorage({ path: join(dir, 'bench.sqlite') })
const none = () => undefined
type Figures = { wall: number; cpu: number }
const rows: [string, number, Figures, Figures, Figures, Figures][] = []
for (const [label, definition, runs] of [
  ['chain of 100 handlers (idempotent)', chain(100, 'noop', false), 200],
  ['chain of 100 handlers + 50 conditions', chain(100, 'noop', true), 200],
  ['chain of 100 handlers (not idempotent)', chain(100, 'effect', false), 200],
  ['fan-out of 100 branches + join', fanOut(100), 200],
] as const) {
  const memory = await measure(definition, runs, 50, none)
  const serialised = await measure(definition, runs, 50, inMemory)
  const durable = await measureSqlite(definition, sqlite)
  rows.push([label, definition.nodes.length, memory, serialised, durable.checkpoint, durable.runtime])
}
await sqlite.close()
rmSync(dir, { recursive: true, force: true })

const cell = (figures: Figures, digits: number) =>
  `${figures.wall.toFixed(digits)} / ${figures.cpu.toFixed(digits)}`.padStart(19)
console.log(
  `agentloop workflow benchmark (node ${process.version}; medians of 5 rounds in memory, of ${SQLITE_ROUNDS} alternated rounds of ${SQLITE_RUNS} runs on SQLite; load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')})`,
)
console.log('microseconds per node, wall clock / CPU time (CPU time is the fairer figure on a busy machine)')
console.log(
  `${'workload'.padEnd(40)} nodes   ${'no checkpoint'.padStart(19)}   ${'JSON checkpoint'.padStart(19)}   ${'SQLite checkpoint'.padStart(19)}   ${'Runtime on SQLite'.padStart(19)}   ${'Runtime/checkpoint'.padStart(19)}`,
)
for (const [label, nodes, memory, serialised, durable, runtime] of rows) {
  const ratio = { wall: runtime.wall / durable.wall, cpu: runtime.cpu / durable.cpu }
  console.log(
    `${label.padEnd(40)} ${String(nodes).padStart(5)}   ${cell(memory, 2)}   ${cell(serialised, 2)}   ${cell(durable, 0)}   ${cell(runtime, 0)}   ${cell(ratio, 2)}`,
  )
}
console.log(`(JSON checkpoints serialised ${(serialisedBytes / 1e6).toFixed(0)} MB in all)`)
console.log(
  'target: at most 20 us per node without storage, and at most one checkpoint per node with it (Runtime/checkpoint at most 1)',
)
