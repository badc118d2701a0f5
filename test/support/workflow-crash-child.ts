/**
 * A process that runs the crash workflow on the Runtime and kills itself with SIGKILL at a chosen
 * point, for test/workflow-crash-*.test.ts. Usage (bundled by the suite):
 *   node workflow-crash-child.mjs <backend> <target> <runId> <crashPoint> <log>
 * It answers the human node itself, so the points after the pause are reached too.
 */
import { Runtime } from '../../src/run/runtime.js'
import { openCrashStorage } from './crash-agent.js'
import { boundCrashWorkflow, crashInput, dyingWorkflowStorage } from './workflow-crash.js'

const [backend, target, runId, crashPoint, log] = process.argv.slice(2) as string[]

function die(point: string): void {
  if (point !== crashPoint) return
  process.kill(process.pid, 'SIGKILL')
  // Stop here until the signal lands: not one more instruction of the run may execute.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000)
}

const storage = await openCrashStorage(backend as string, target as string)
const bound = boundCrashWorkflow(log as string, die)
const runtime = new Runtime({ storage: dyingWorkflowStorage(storage, die), runnables: [bound] })
const paused = await runtime.run(bound, crashInput, { runId: runId as string })
if (paused.status === 'awaiting_input') die('paused')
const result = await runtime.resume(runId as string, { input: { approve: { ok: true } } })
console.log(JSON.stringify({ status: result.status, output: result.output }))
await runtime.close()
await storage.close()
