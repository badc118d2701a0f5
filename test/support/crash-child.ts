/**
 * A process that starts a durable agent run and kills itself with SIGKILL at a chosen point, for
 * test/crash-resume-*.test.ts. Usage (bundled by the suite, or through tsx):
 *   node crash-child.mjs <backend> <target> <runId> <crashPoint> <log>
 * It prints the result as one JSON line if it gets to the end without dying.
 */
import { Runtime } from '../../src/run/runtime.js'
import { crashAgent, dyingStorage, openCrashStorage } from './crash-agent.js'

const [backend, target, runId, crashPoint, log] = process.argv.slice(2) as string[]

function die(point: string): void {
  if (point !== crashPoint) return
  process.kill(process.pid, 'SIGKILL')
  // Stop here until the signal lands: not one more instruction of the run may execute.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000)
}

const storage = await openCrashStorage(backend as string, target as string)
const agent = crashAgent({ log: log as string, die, approval: (crashPoint as string).includes(':pause:') })
const runtime = new Runtime({ storage: dyingStorage(storage, die), agents: [agent] })
const events = runtime.stream(agent, 'Buy it.', { runId })
for await (const event of events) {
  if (event.type === 'checkpoint.save' && event.reason === 'model' && event.turn === 1) die('after-model')
  if (event.type === 'run.end' && event.status === 'completed') die('after-final')
}
const result = await events.result
console.log(JSON.stringify({ status: result.status, output: result.output }))
await storage.close()
