/**
 * Durable steps: a three-step job checkpointed to SQLite. The first execution fails in its second
 * step (a simulated outage); resuming it with the same job id skips the completed step and finishes.
 *
 * Run it with `npx tsx examples/steps.ts` (SQLite needs the optional peer `better-sqlite3`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type StepEvent, StepFailedError, steps } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'

const text = 'The tide rises and falls twice a day because the moon pulls the oceans toward it.'
let outage = true

const job = steps({ name: 'word-report', initialState: { source: 'tides.txt', words: 0 } })
  .step({
    name: 'fetch',
    timeout: 5_000,
    run: async ({ state, signal, report }) => {
      report(0, `reading ${state.source}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
      signal.throwIfAborted()
      report(1)
      return { result: text }
    },
  })
  .step({
    name: 'count',
    retries: 2,
    retryDelay: 50,
    backoff: 'exponential',
    // an outage is not worth retrying now: fail the job, resume it later
    retryIf: (error) => !(error instanceof Error && error.message.includes('outage')),
    run: ({ results }) => {
      if (outage) throw new Error('word counter outage')
      return { state: { words: results.fetch.split(/\s+/).length } }
    },
  })
  .step({
    name: 'report',
    run: ({ state, results }) => ({
      result: `${state.source}: ${state.words} words, ${results.fetch.length} characters`,
    }),
  })

const print = (event: StepEvent) => {
  const step = 'step' in event ? ` ${event.step}` : ''
  const extra =
    event.type === 'job.end' ? ` ${event.status}` : event.type === 'step.progress' ? ` ${event.progress}` : ''
  console.log(`  #${event.seq} ${event.type}${step}${extra}`)
}

const directory = mkdtempSync(join(tmpdir(), 'agentloop-steps-example-'))
const storage = createSqliteStorage({ path: join(directory, 'jobs.db') })
try {
  console.log('first execution:')
  try {
    await job.run({ jobId: 'report-1', storage, onEvent: print })
  } catch (error) {
    if (!(error instanceof StepFailedError)) throw error
    console.log(`failed in step "${error.stepName}" after ${error.attempts} attempt(s)`)
  }
  console.log('saved:', await job.load('report-1', { storage }))

  outage = false
  console.log('resumed:')
  const events = job.stream({ jobId: 'report-1', storage })
  for await (const event of events) print(event)
  const result = await events.result
  console.log(result.results.report)
  console.log('skipped:', result.skipped.join(', '), '- executed:', result.executed.join(', '))
} finally {
  await storage.close()
  rmSync(directory, { recursive: true, force: true })
}
