/**
 * A child process for test/steps-crash.test.ts: runs a four-step job on a SQLite file and, when
 * CRASH_IN names a step, kills itself with SIGKILL inside that step (a real process death: no
 * catch, no finally, no last save). Every step body appends its name to LOG first.
 */
import { appendFileSync } from 'node:fs'
import { steps } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'

const [path, log, crashIn] = [process.env.DB ?? '', process.env.LOG ?? '', process.env.CRASH_IN]
const body = (name: string, output: () => object) => () => {
  appendFileSync(log, `${name}\n`)
  if (name === crashIn) process.kill(process.pid, 'SIGKILL')
  return output()
}
const job = steps({ name: 'crash', initialState: { items: [] as string[], total: 0 } })
  .step({ name: 'fetch', run: body('fetch', () => ({ state: { items: ['a', 'b'] }, result: 2 })) })
  .step({ name: 'transform', run: body('transform', () => ({ result: ['A', 'B'] })) })
  .step({ name: 'load', run: body('load', () => ({ state: { total: 2 } })) })
  .step({ name: 'notify', run: body('notify', () => ({ result: 'sent' })) })

const storage = createSqliteStorage({ path })
const result = await job.run({ jobId: 'crash-job', storage })
await storage.close()
process.stdout.write(JSON.stringify(result))
