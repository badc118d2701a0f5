/**
 * A process that starts the multi-agent run of test/team-crash.test.ts on SQLite and kills itself
 * with SIGKILL at a chosen point. Usage: node team-crash-child.mjs <db path> <runId> <point> <log>
 */
import { Runtime } from '../../src/run/runtime.js'
import { createSqliteStorage } from '../../src/storage/sqlite/index.js'
import { teamAgents, teamDyingStorage } from './team-crash-agent.js'

const [path, runId, crashPoint, log] = process.argv.slice(2) as string[]

function die(point: string): void {
  if (point !== crashPoint) return
  process.kill(process.pid, 'SIGKILL')
  // Stop here until the signal lands: not one more instruction of the run may execute.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000)
}

const storage = createSqliteStorage({ path: path as string })
const triage = teamAgents({ log: log as string, die })
const runtime = new Runtime({ storage: teamDyingStorage(storage, die), agents: [triage] })
const events = runtime.stream(triage, 'Research it.', { runId })
for await (const _event of events) {
  // Drive the stream: the run waits for its consumer.
}
const result = await events.result
console.log(JSON.stringify({ status: result.status, output: result.output }))
await storage.close()
