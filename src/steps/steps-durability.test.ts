import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteStorage } from 'agentloop/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { RecordNotFoundError, StorageConflictError, StoredDataError } from '../storage/storage-errors.js'
import { StepFailedError } from './step-errors.js'
import type { StepEvent } from './step-event.js'
import { steps } from './steps.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-steps-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let files = 0

/** Simulates the process dying inside a step: nothing after it runs in this "process". */
class ProcessDied extends Error {
  override name = 'ProcessDied'
}

/**
 * A fresh definition of the same four-step job, as a new process would build it, counting how
 * often each step body runs. `dieIn` makes that step throw `ProcessDied` (never retried).
 */
function ingestJob(counts: Record<string, number>, dieIn?: string) {
  const body = (name: string, output: () => object) => () => {
    counts[name] = (counts[name] ?? 0) + 1
    if (name === dieIn) throw new ProcessDied(`killed during ${name}`)
    return output()
  }
  return steps({ name: 'ingest', initialState: { source: 'feed', items: [] as string[], total: 0 } })
    .step({
      name: 'fetch',
      retries: 2,
      retryIf: (error) => !(error instanceof ProcessDied),
      run: body('fetch', () => ({ state: { items: ['a', 'b', 'c'] }, result: 3 })),
    })
    .step({
      name: 'transform',
      retries: 2,
      retryIf: (error) => !(error instanceof ProcessDied),
      run: body('transform', () => ({ result: ['A', 'B', 'C'] })),
    })
    .step({
      name: 'load',
      retries: 2,
      retryIf: (error) => !(error instanceof ProcessDied),
      run: body('load', () => ({ state: { total: 3 } })),
    })
    .step({ name: 'notify', run: body('notify', () => ({ result: 'sent' })) })
}

const backends: [string, () => Storage][] = [
  ['memory', () => createMemoryStorage()],
  ['sqlite', () => createSqliteStorage({ path: join(directory, `steps-${++files}.db`) })],
]

describe.each(backends)('durable steps on %s storage', (_name, createStorage) => {
  it('resumes after a crash without running the completed steps again', async () => {
    const storage = createStorage()
    const counts: Record<string, number> = {}
    const first = await ingestJob(counts, 'load')
      .run({ jobId: 'crash-1', storage })
      .catch((error: unknown) => error)
    expect(first).toBeInstanceOf(StepFailedError)
    expect((first as StepFailedError).cause).toBeInstanceOf(ProcessDied)
    expect(counts).toEqual({ fetch: 1, transform: 1, load: 1 })

    const info = await ingestJob({}).load('crash-1', { storage })
    expect(info).toMatchObject({
      status: 'failed',
      completed: ['fetch', 'transform'],
      failure: { step: 'load', attempts: 1, error: { name: 'ProcessDied', message: 'killed during load' } },
    })

    // a fresh executor, as after a restart
    const events: StepEvent[] = []
    const result = await ingestJob(counts).resume('crash-1', {
      storage,
      onEvent: (event) => events.push(event),
    })
    expect(counts).toEqual({ fetch: 1, transform: 1, load: 2, notify: 1 })
    expect(result).toMatchObject({
      status: 'completed',
      state: { source: 'feed', items: ['a', 'b', 'c'], total: 3 },
      results: { fetch: 3, transform: ['A', 'B', 'C'], notify: 'sent' },
      executed: ['load', 'notify'],
      skipped: ['fetch', 'transform'],
    })
    expect(events[0]).toMatchObject({ type: 'job.start', resumed: true, completed: ['fetch', 'transform'] })
    expect(events.filter((event) => event.type === 'step.skip').map((event) => event.step)).toEqual([
      'fetch',
      'transform',
    ])
    expect(await ingestJob({}).load('crash-1', { storage })).toMatchObject({ status: 'completed' })
    expect((await storage.runs.get('crash-1'))?.agentName).toBe('steps:ingest')
    await storage.close()
  })

  it('resumes a job whose process died without recording anything, from its last checkpoint', async () => {
    const storage = createStorage()
    const counts: Record<string, number> = {}
    let release = () => {}
    const hung = ingestJob(counts).step({
      name: 'hang',
      run: () => new Promise<undefined>((resolve) => (release = () => resolve(undefined))),
    })
    const firstEvents: StepEvent[] = []
    const first = hung.run({ jobId: 'hung-1', storage, onEvent: (event) => firstEvents.push(event) })
    while (!firstEvents.some((event) => event.type === 'step.start' && event.step === 'hang')) {
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    // the "process" is gone: its checkpoint still says running, with four completed steps
    expect(await hung.load('hung-1', { storage })).toMatchObject({
      status: 'running',
      completed: ['fetch', 'transform', 'load', 'notify'],
    })

    const resumedEvents: StepEvent[] = []
    const again = ingestJob(counts).step({ name: 'hang', run: () => ({ result: 'done' }) })
    const result = await again.run({
      jobId: 'hung-1',
      storage,
      onEvent: (event) => resumedEvents.push(event),
    })
    expect(counts).toEqual({ fetch: 1, transform: 1, load: 1, notify: 1 })
    expect(result.results.hang).toBe('done')
    expect(result.skipped).toEqual(['fetch', 'transform', 'load', 'notify'])
    // seq continues after the last checkpointed event (the step.end of notify)
    const lastSaved = firstEvents.findLast((event) => event.type === 'step.end')?.seq ?? 0
    expect(resumedEvents[0]?.seq).toBe(lastSaved + 1)

    // the stale executor wakes up: its save is refused, the resumed job's checkpoint stands
    release()
    await expect(first).rejects.toBeInstanceOf(StorageConflictError)
    expect(await again.load('hung-1', { storage })).toMatchObject({ status: 'completed' })
    await storage.close()
  })

  it('checkpoints after every step by default, and defers it for checkpoint: false', async () => {
    const storage = createStorage()
    const job = steps({ name: 'cp' })
      .step({ name: 'a', run: () => ({ result: 1 }) })
      .step({ name: 'b', checkpoint: false, run: () => ({ result: 2 }) })
      .step({ name: 'c', run: () => ({ result: 3 }) })
    const seen: Record<string, string[]> = {}
    const ends: StepEvent[] = []
    const pending: Promise<void>[] = []
    await job.run({
      jobId: 'cp-1',
      storage,
      onEvent: (event) => {
        if (event.type !== 'step.end') return
        ends.push(event)
        pending.push(
          job.load('cp-1', { storage }).then((info) => {
            seen[event.step] = info?.completed ?? []
          }),
        )
      },
    })
    await Promise.all(pending)
    expect(ends.map((event) => event.type === 'step.end' && event.checkpointed)).toEqual([true, false, true])
    // loads started at a step.end see at least that checkpoint; b's was deferred to c's
    expect(seen.a).toContain('a')
    expect(seen.b).not.toContain('b')
    const info = await job.load('cp-1', { storage })
    expect(info?.completed).toEqual(['a', 'b', 'c'])
    expect(info?.results).toEqual({ a: 1, b: 2, c: 3 })
    await storage.close()
  })

  it('running a completed job again runs nothing and returns the saved results', async () => {
    const storage = createStorage()
    const counts: Record<string, number> = {}
    await ingestJob(counts).run({ jobId: 'done-1', storage })
    const result = await ingestJob(counts).run({ jobId: 'done-1', storage })
    expect(counts).toEqual({ fetch: 1, transform: 1, load: 1, notify: 1 })
    expect(result.executed).toEqual([])
    expect(result.results).toEqual({ fetch: 3, transform: ['A', 'B', 'C'], notify: 'sent' })
    await storage.close()
  })

  it('a later resume retries a failed step with a fresh retry budget', async () => {
    const storage = createStorage()
    let calls = 0
    const job = steps({ name: 'retry-later', initialState: { n: 0 } })
      .step({ name: 'first', run: () => ({ state: { n: 1 } }) })
      .step({
        name: 'flaky',
        retries: 1,
        retryDelay: 0,
        run: ({ state }) => {
          calls++
          if (calls <= 2) throw new Error(`down ${calls}`)
          return { result: state.n + 1 }
        },
      })
    await expect(job.run({ jobId: 'rl', storage })).rejects.toMatchObject({ stepName: 'flaky', attempts: 2 })
    expect(await job.load('rl', { storage })).toMatchObject({
      status: 'failed',
      failure: { step: 'flaky', attempts: 2, error: { message: 'down 2' } },
    })
    const result = await job.resume('rl', { storage })
    expect(result.results.flaky).toBe(2)
    expect(calls).toBe(3)
    const info = await job.load('rl', { storage })
    expect(info?.status).toBe('completed')
    expect(info?.failure).toBeUndefined()
    await storage.close()
  })

  it('saves a cancelled job as cancelled, and resumes it', async () => {
    const storage = createStorage()
    const controller = new AbortController()
    let calls = 0
    const job = steps({ name: 'cancel' })
      .step({ name: 'a', run: () => ({ result: 'a' }) })
      .step({
        name: 'b',
        run: ({ signal }) => {
          calls++
          if (calls > 1) return { result: 'b' }
          controller.abort()
          return new Promise<undefined>((_, reject) => reject(signal.reason))
        },
      })
    await expect(job.run({ jobId: 'c1', storage, signal: controller.signal })).rejects.toThrow(/cancelled/)
    expect(await job.load('c1', { storage })).toMatchObject({ status: 'cancelled', completed: ['a'] })
    expect((await job.resume('c1', { storage })).results).toEqual({ a: 'a', b: 'b' })
    await storage.close()
  })

  it('rejects a corrupt or unknown-version checkpoint, and an id owned by something else', async () => {
    const storage = createStorage()
    const job = steps({ name: 'v' }).step({ name: 's', run: () => ({ result: 1 }) })
    const base = { kind: 'steps', jobName: 'v', state: {}, results: {}, completed: [], seq: 0, startedAt: 1 }
    await storage.runs.save({
      runId: 'bad',
      agentName: 'steps:v',
      status: 'running',
      snapshot: { ...base, version: 1, completed: 'all' },
    })
    const corrupt = await job.run({ jobId: 'bad', storage }).catch((error: unknown) => error)
    expect(corrupt).toBeInstanceOf(StoredDataError)
    expect((corrupt as Error).message).toMatch(
      /checkpoint of job "v" \(id bad\) is unreadable: snapshot\.completed/,
    )

    await storage.runs.save({
      runId: 'new',
      agentName: 'steps:v',
      status: 'running',
      snapshot: { ...base, version: 2 },
    })
    await expect(job.resume('new', { storage })).rejects.toThrow(/format version 2 by a newer agentloop/)

    await storage.runs.save({
      runId: 'agent-run',
      agentName: 'calc',
      status: 'completed',
      snapshot: { version: 1 },
    })
    await expect(job.run({ jobId: 'agent-run', storage })).rejects.toThrow(ConfigError)
    await expect(job.run({ jobId: 'agent-run', storage })).rejects.toThrow(/belongs to a run of agent "calc"/)
    const other = steps({ name: 'other' }).step({ name: 's', run: () => undefined })
    await other.run({ jobId: 'o1', storage })
    await expect(job.run({ jobId: 'o1', storage })).rejects.toThrow(/belongs to job "other"/)

    await expect(job.resume('missing', { storage })).rejects.toBeInstanceOf(RecordNotFoundError)
    await storage.close()
  })
})

describe('steps without storage', () => {
  it('runs in memory and cannot be resumed', async () => {
    let calls = 0
    const job = steps({ name: 'mem' }).step({
      name: 's',
      run: () => {
        calls++
        return { result: calls }
      },
    })
    expect((await job.run({ jobId: 'm' })).results.s).toBe(1)
    expect((await job.run({ jobId: 'm' })).results.s).toBe(2)
    await expect(job.resume('m', {} as never)).rejects.toThrow(/without the storage it was checkpointed to/)
  })
})

describe('step jobs in the runs repository', () => {
  it('are stored with kind "steps", so runs.list() lists agent runs only unless asked', async () => {
    const storage = createMemoryStorage()
    const job = steps({ name: 'kinds' }).step({ name: 's', run: () => ({ result: 1 }) })
    await job.run({ jobId: 'job-1', storage })
    await storage.runs.save({
      runId: 'agent-1',
      agentName: 'a',
      status: 'completed',
      snapshot: { version: 1 },
    })
    // A job stored before kinds existed is told apart by its name.
    await storage.runs.save({
      runId: 'old-job',
      agentName: 'steps:old',
      status: 'completed',
      snapshot: { version: 1 },
    })
    expect((await storage.runs.list()).map((run) => run.runId)).toEqual(['agent-1'])
    expect((await storage.runs.list({ kind: 'steps' })).map((run) => run.runId).sort()).toEqual([
      'job-1',
      'old-job',
    ])
    expect(await storage.runs.list({ kind: 'all' })).toHaveLength(3)
    expect((await storage.runs.get('job-1'))?.kind).toBe('steps')
    await expect(storage.runs.list({ kind: 'jobs' as 'steps' })).rejects.toThrow(/kind "jobs" is not/)
  })
})
