import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import type { RunnableContext } from '../run/runnable.js'
import { Runtime } from '../run/runtime.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { loadConfig } from './load-config.js'
import { createRuntimeFromConfig } from './runtime-from-config.js'
import { startWorker } from './start-worker.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-config-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

describe('loadConfig', () => {
  it('defaults to SQLite and the in-process queue and bus, with the documented limits', () => {
    expect(loadConfig({ env: {}, envFile: false })).toEqual({
      storage: { backend: 'sqlite', path: 'agentloop.db' },
      redisUrl: undefined,
      queue: 'memory',
      bus: 'memory',
      prefix: 'agentloop',
      model: undefined,
      concurrency: 16,
      retries: 3,
      runTimeoutMs: 300_000,
      orphanAfterMs: 60_000,
      shutdownGraceMs: 10_000,
      port: 3000,
      host: '127.0.0.1',
    })
  })

  it('chooses PostgreSQL, BullMQ and the Redis bus from DATABASE_URL and REDIS_URL', () => {
    const config = loadConfig({
      env: {
        DATABASE_URL: 'postgres://app:secret@db:5432/agents',
        REDIS_URL: 'redis://cache:6379',
        AGENTLOOP_MODEL: 'openai:gpt-4o-mini',
        AGENTLOOP_CONCURRENCY: '4',
        AGENTLOOP_RETRIES: '0',
      },
      envFile: false,
    })
    expect(config).toMatchObject({
      storage: { backend: 'postgres', url: 'postgres://app:secret@db:5432/agents' },
      queue: 'bullmq',
      bus: 'redis',
      model: 'openai:gpt-4o-mini',
      concurrency: 4,
      retries: 0,
    })
    expect(loadConfig({ env: { DATABASE_URL: 'memory:' }, envFile: false }).storage).toEqual({
      backend: 'memory',
    })
    expect(loadConfig({ env: { DATABASE_URL: 'sqlite:/var/lib/a.db' }, envFile: false }).storage).toEqual({
      backend: 'sqlite',
      path: '/var/lib/a.db',
    })
  })

  it('names the variable of a bad value, and keeps passwords out of the message', () => {
    const bad = (env: Record<string, string>) => () => loadConfig({ env, envFile: false })
    expect(bad({ AGENTLOOP_CONCURRENCY: 'many' })).toThrow(
      /^AGENTLOOP_CONCURRENCY="many" must be a whole number/,
    )
    expect(bad({ AGENTLOOP_CONCURRENCY: '0' })).toThrow(/AGENTLOOP_CONCURRENCY="0" must be at least 1/)
    expect(bad({ AGENTLOOP_QUEUE: 'kafka' })).toThrow(/AGENTLOOP_QUEUE="kafka".*use memory or bullmq/)
    expect(bad({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL="localhost:6379" must be a redis:\/\//)
    expect(bad({ AGENTLOOP_QUEUE: 'bullmq' })).toThrow(/AGENTLOOP_QUEUE=bullmq needs REDIS_URL/)
    expect(bad({ REDIS_URL: 'redis://r:6379', AGENTLOOP_BUS: 'memory' })).toThrow(/AGENTLOOP_BUS=memory with/)
    expect(bad({ AGENTLOOP_MODEL: 'gpt-4o' })).toThrow(/AGENTLOOP_MODEL="gpt-4o" must be a model reference/)
    expect(bad({ PORT: '70000' })).toThrow(/PORT="70000" must be at most 65535/)
    const error = (() => {
      try {
        loadConfig({ env: { DATABASE_URL: 'mysql://root:hunter2@db/x' }, envFile: false })
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error?.message).toMatch(/DATABASE_URL="mysql:\/\/root:\*\*\*@db\/x" is not a database/)
    expect(error?.message).not.toContain('hunter2')
  })

  it('reads a .env file when present; variables already set win', () => {
    const file = join(directory, 'test.env')
    writeFileSync(file, 'AGENTLOOP_RETRIES=5\nAGENTLOOP_CONCURRENCY=2\n')
    const config = loadConfig({ env: { AGENTLOOP_CONCURRENCY: '9' }, envFile: file })
    expect(config.retries).toBe(5)
    expect(config.concurrency).toBe(9)
    expect(loadConfig({ env: {}, envFile: join(directory, 'missing.env') }).retries).toBe(3)
  })
})

describe('createRuntimeFromConfig', () => {
  it('builds a runtime over the configured SQLite file with the config module runnables', async () => {
    const config = loadConfig({
      env: { DATABASE_URL: `sqlite:${join(directory, 'runs.db')}` },
      envFile: false,
    })
    const configured = await createRuntimeFromConfig(config, (seen) => ({
      runnables: [
        { name: 'echo', run: (ctx: RunnableContext) => `${seen.retries}:${String(ctx.input[0]?.content)}` },
      ],
    }))
    try {
      expect(configured.runtime.storage?.backend).toBe('sqlite')
      const { runId } = await configured.runtime.submit('echo', 'hi')
      expect((await configured.runtime.wait(runId)).output).toBe('3:hi')
    } finally {
      await configured.close()
    }
  })
})

describe('startWorker', () => {
  const slow = (ms: number) => ({
    name: 'slow',
    async run(ctx: RunnableContext) {
      await ctx.step('first', () => 'saved')
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, ms)
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          reject(ctx.signal.reason)
        })
      })
      return 'finished'
    },
  })

  it('on its signal, lets runs under way finish within the grace period', async () => {
    const storage = createMemoryStorage()
    const runtime = new Runtime({ storage, runnables: [slow(100)], runner: { worker: false } })
    const worker = await startWorker({ runtime, signals: ['SIGUSR2'], graceMs: 5000 })
    const { runId } = await runtime.submit('slow', 'x')
    while ((await storage.runs.get(runId))?.status !== 'running') await new Promise((r) => setTimeout(r, 5))
    process.emit('SIGUSR2', 'SIGUSR2')
    await worker.stopped
    expect((await storage.runs.get(runId))?.status).toBe('completed')
    await expect(runtime.submit('slow', 'y')).rejects.toThrow(/closing/)
  })

  it('past the grace period, leaves runs at their checkpoint for another worker, which resumes them', async () => {
    const storage = createMemoryStorage()
    const runtime = new Runtime({ storage, runnables: [slow(60_000)], runner: { worker: false } })
    const worker = await startWorker({ runtime, signals: false, graceMs: 50 })
    const { runId } = await runtime.submit('slow', 'x')
    while ((await storage.runs.readEvents(runId)).every((event) => event.type !== 'step.end')) {
      await new Promise((r) => setTimeout(r, 5))
    }
    await worker.stop()
    expect((await storage.runs.get(runId))?.status).toBe('running')
    const events = await storage.runs.readEvents(runId)
    expect(events.some((event) => event.type === 'run.end')).toBe(false)
    const next = new Runtime({ storage, runnables: [slow(1)], runner: { worker: false } })
    expect(await next.recoverOrphans({ olderThanMs: 0 })).toBe(1)
    await next.work()
    expect((await next.wait(runId)).output).toBe('finished')
    const resumed = await storage.runs.readEvents(runId)
    expect(resumed.filter((event) => event.type === 'step.skip')).toHaveLength(1)
    await next.close()
  })

  it('needs a runtime or a config module', async () => {
    await expect(startWorker({})).rejects.toThrow(/give \{ runtime \} or \{ configModule \}/)
  })
})
