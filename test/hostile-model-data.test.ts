import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, createMemoryStorage, Runtime, type Storage, tool } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { createRedisStorage } from 'agentloop/redis'
import { createSqliteStorage } from 'agentloop/sqlite'
import { scriptedModel } from 'agentloop/testing'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { DATABASE_URL, REDIS_URL, serviceSkipReason } from './support/services.js'

/**
 * Data a model or a tool controls must never wedge a durable run: arguments nested 100,000 deep
 * come back to the model as a tool error, and NUL characters or lone surrogates in a tool's output
 * are stored (and read back) exactly, on every backend.
 */
const directory = mkdtempSync(join(tmpdir(), 'agentloop-hostile-'))
const schema = `agentloop_hostile_${process.pid}`
const prefix = `agentloop-hostile:${process.pid}:`
const postgresSkip = await serviceSkipReason('PostgreSQL')
const redisSkip = await serviceSkipReason('Redis')

afterAll(async () => {
  rmSync(directory, { recursive: true, force: true })
  if (postgresSkip === undefined) {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await client.end()
  }
})

const hostile = 'zero \u0000 lone \udc00 high \ud800 end'
const deepArguments = `{"value":${'['.repeat(100_000)}1${']'.repeat(100_000)}}`

const backends: { name: string; skip?: string | undefined; create: () => Storage }[] = [
  { name: 'memory', create: createMemoryStorage },
  { name: 'sqlite', create: () => createSqliteStorage({ path: join(directory, 'runs.db') }) },
  {
    name: 'postgres',
    skip: postgresSkip,
    create: () => createPostgresStorage({ connectionString: DATABASE_URL, schema, maxConnections: 2 }),
  },
  { name: 'redis', skip: redisSkip, create: () => createRedisStorage({ url: REDIS_URL, prefix }) },
]

describe.each(backends)('hostile model and tool data on $name', ({ skip, create }) => {
  it.skipIf(skip !== undefined)(
    'ends the run completed, the model told about bad arguments, every byte stored',
    async () => {
      const storage = create()
      const echo = tool({
        name: 'echo',
        description: 'Echo a value',
        parameters: z.object({ value: z.unknown() }),
        execute: () => hostile,
      })
      const model = scriptedModel([
        { toolCalls: [{ name: 'echo', arguments: deepArguments }] },
        { toolCalls: [{ name: 'echo', arguments: { value: 1 } }] },
        { text: `done ${hostile}` },
      ])
      const agent = new Agent({ name: 'hostile', instructions: 'Echo.', model, tools: [echo] })
      const runtime = new Runtime({ storage, agents: [agent] })
      try {
        const result = await runtime.run(agent, 'go')
        expect(result.status).toBe('completed')
        const toolMessages = model.requests[1]?.messages.filter((message) => message.role === 'tool') ?? []
        expect(String(toolMessages[0]?.content)).toMatch(/nested more than 1000 levels deep/)
        const stored = await storage.runs.load(result.runId)
        expect(stored?.record.status).toBe('completed')
        // the conversation is stored incrementally: in the parts saved with the checkpoints, and
        // its newest small messages in the checkpoint's own tail (run state format 3)
        const contents = JSON.stringify([stored?.parts, stored?.snapshot])
        expect(contents).toContain(JSON.stringify(hostile).slice(1, -1))
        const events = await storage.runs.readEvents(result.runId)
        expect(events.at(-1)?.type).toBe('run.end')
      } finally {
        await storage.close()
      }
    },
    60_000,
  )
})
