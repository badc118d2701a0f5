import { Agent, Runtime, tool } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { scriptedModel } from 'agentloop/testing'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { DATABASE_URL, serviceSkipReason } from './support/services.js'

/**
 * PostgreSQL connections dying under agentloop (pg_terminate_backend, as a failover or an
 * administrator would): the process never crashes, the write is retried on a fresh connection, and
 * every run still ends in a stored terminal state.
 */
const skip = await serviceSkipReason('PostgreSQL')
const schema = `agentloop_chaos_${process.pid}`
const application = `agentloop-chaos-${process.pid}`

function connectionString(): string {
  const url = new URL(DATABASE_URL)
  url.searchParams.set('application_name', application)
  return url.toString()
}

async function admin<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

/** Kills one of agentloop's connections, picked at random. */
const killOne = (client: pg.Client) =>
  client.query(
    `SELECT count(pg_terminate_backend(pid))::int AS killed FROM (
       SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() ORDER BY random() LIMIT 1
     ) AS victim`,
    [application],
  )

afterAll(async () => {
  if (skip === undefined) await admin((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
})

describe.skipIf(skip !== undefined)('PostgreSQL connections killed under load', () => {
  it('retries a write whose connection is killed while it waits, without crashing the process', async () => {
    const storage = createPostgresStorage({
      connectionString: connectionString(),
      schema,
      tablePrefix: 'wait_',
    })
    await storage.runs.save({ runId: 'r', agentName: 'a', status: 'running', snapshot: { version: 1 } })
    const locker = new pg.Client({ connectionString: DATABASE_URL })
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query(
      `SELECT 1 FROM "${schema}".wait_records WHERE collection = 'run' AND key = 'r' FOR UPDATE`,
    )
    const save = storage.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'completed',
      snapshot: { version: 2 },
    })
    const observer = new pg.Client({ connectionString: DATABASE_URL })
    await observer.connect()
    // (pg_stat_activity is a snapshot per transaction: the observer reads it outside one)
    const waiting = async () => {
      for (let tries = 0; tries < 500; tries++) {
        const { rows } = await observer.query(
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [application],
        )
        if (rows.length > 0) return rows.map((row: { pid: number }) => row.pid)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      throw new Error('the save never waited for the lock')
    }
    const first = await waiting()
    await admin((client) => client.query('SELECT pg_terminate_backend($1)', [first[0]]))
    // the save retried on a new connection and waits again
    const second = await waiting()
    expect(second[0]).not.toBe(first[0])
    await locker.query('COMMIT')
    await Promise.all([locker.end(), observer.end()])
    const saved = await save
    expect(saved.revision).toBe(2)
    expect((await storage.runs.load('r'))?.snapshot).toEqual({ version: 2 })
    await storage.close()
  }, 30_000)

  it('keeps the process alive and every run terminal with connections killed every few ms (40 concurrent runs)', async () => {
    const storage = createPostgresStorage({
      connectionString: connectionString(),
      schema,
      tablePrefix: 'chaos_',
      maxConnections: 10,
    })
    await storage.runs.get('warm-up')
    const lookup = tool({
      name: 'lookup',
      description: 'Look up a value',
      parameters: z.object({ key: z.string() }),
      execute: async ({ key }) => `value of ${key}`,
    })
    const runs = 40
    let killed = 0
    let killing = true
    // a burst of chaos, as in a failover: for 4 s, one of agentloop's connections (busy or idle),
    // picked at random, killed about every 10 ms. Runs caught in it must ride it out (a write is
    // retried for up to 10 s), however slow the machine.
    const started = performance.now()
    const killer = admin(async (client) => {
      while (killing && performance.now() - started < 4000) {
        killed += (await killOne(client)).rows[0]?.killed ?? 0
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })
    const results = await Promise.allSettled(
      Array.from({ length: runs }, (_, index) => {
        const model = scriptedModel([
          { toolCalls: [{ name: 'lookup', arguments: { key: `a${index}` } }] },
          { toolCalls: [{ name: 'lookup', arguments: { key: `b${index}` } }] },
          { text: `done ${index}` },
        ])
        const agent = new Agent({ name: `chaos-${index}`, instructions: 'Look up.', model, tools: [lookup] })
        return new Runtime({ storage, agents: [agent] }).run(agent, 'go', { runId: `chaos-${index}` })
      }),
    )
    killing = false
    await killer
    const failures = results.filter((result) => result.status === 'rejected')
    const stored = await Promise.all(
      Array.from({ length: runs }, (_, index) => storage.runs.get(`chaos-${index}`)),
    )
    const nonTerminal = stored.filter((record) => record === null || record.status === 'running')
    const seconds = Math.min(4, (performance.now() - started) / 1000)
    console.log(
      `chaos: ${killed} connections killed in ${seconds.toFixed(1)} s (one every ${((seconds * 1000) / killed).toFixed(0)} ms); process alive; ${runs - failures.length}/${runs} runs completed, ${failures.length} failed, ${nonTerminal.length} left non-terminal`,
    )
    expect(killed).toBeGreaterThan(0)
    expect(failures.map((failure) => String((failure as PromiseRejectedResult).reason))).toEqual([])
    expect(nonTerminal).toEqual([])
    await storage.close()
  }, 120_000)
})
