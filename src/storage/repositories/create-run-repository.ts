import { ConfigError } from '../../errors/errors.js'
import type { RunEvent, RunStatus } from '../../events/run-event.js'
import type { JsonObject } from '../../util/json.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import {
  type ListRunsOptions,
  RUN_STATUSES,
  type RunCheckpoint,
  type RunPage,
  type RunRecord,
  type RunRepository,
  type RunSnapshot,
  type SaveRunInput,
} from '../run-repository.js'
import type { StoreDriver, StoredRecord, WriteOperation } from '../store-driver.js'
import { readPage } from './list-pages.js'
import { commitOrThrow, compact, compositeKey, limitOf, requireId, requireJson } from './shared.js'

interface StoredRun {
  version: 1
  runId: string
  agentName: string
  status: RunStatus
  sessionId?: string
  metadata?: JsonObject
}

const statuses = new Set<string>(RUN_STATUSES)

function toRecord(record: StoredRecord, data: StoredRun): RunRecord {
  return compact({
    runId: data.runId,
    agentName: data.agentName,
    status: data.status,
    revision: record.revision,
    sessionId: data.sessionId,
    metadata: data.metadata,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  })
}

function eventKey(runId: string, seq: number): string {
  return compositeKey(runId, String(seq))
}

function eventOperations(runId: string, events: readonly RunEvent[], field: string): WriteOperation[] {
  return events.map((event, index) => {
    if (event === null || typeof event !== 'object' || !Number.isInteger(event.seq) || event.seq < 1) {
      throw new ConfigError({
        message: `${field}[${index}].seq must be a positive integer; got ${JSON.stringify(event?.seq)}.`,
      })
    }
    if (event.runId !== runId) {
      throw new ConfigError({
        message: `${field}[${index}].runId is ${JSON.stringify(event.runId)} but the events are appended to run "${runId}".`,
      })
    }
    return {
      type: 'put',
      collection: 'run-event',
      key: eventKey(runId, event.seq),
      group: runId,
      order: event.seq,
      data: { version: 1, event: event as unknown as JsonObject },
      ifAbsent: true,
    }
  })
}

/**
 * The secondary index values of a run record: by status, by agent and status, by session. Listing
 * with those filters reads an index page instead of every run. (SQL migration 2 computes the same
 * values for runs stored before: keep them in step.)
 */
export function runIndexes(run: Pick<StoredRun, 'status' | 'agentName' | 'sessionId'>): string[] {
  const values = [`s:${run.status}`, `a:${run.status}:${run.agentName}`]
  if (run.sessionId !== undefined) values.push(`x:${run.sessionId}`)
  return values
}

function optionalId(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : requireId(value, field)
}

/** The runs repository over a store driver. */
export function createRunRepository(driver: StoreDriver): RunRepository {
  async function listRuns(options: ListRunsOptions, field: string): Promise<RunPage> {
    const limit = limitOf(options.limit, 100, `${field}: limit`)
    const agentName = optionalId(options.agentName, `${field}: agentName`)
    const sessionId = optionalId(options.sessionId, `${field}: sessionId`)
    const wanted =
      options.status === undefined
        ? undefined
        : [...new Set<RunStatus>(typeof options.status === 'string' ? [options.status] : options.status)]
    for (const status of wanted ?? []) {
      if (!statuses.has(status)) {
        throw new ConfigError({
          message: `${field}: status ${JSON.stringify(status)} is not a run status (${RUN_STATUSES.join(', ')}).`,
        })
      }
    }
    // the most selective index; what it does not cover is filtered on the decoded record
    let sources: { group?: string; index?: string }[]
    if (sessionId !== undefined) sources = [{ index: `x:${sessionId}` }]
    else if (wanted !== undefined)
      sources = wanted.map((status) => ({
        index: agentName === undefined ? `s:${status}` : `a:${status}:${agentName}`,
      }))
    else if (agentName !== undefined) sources = [{ group: agentName }]
    else sources = [{}]
    const page = await readPage(driver, {
      collection: 'run',
      sources,
      limit,
      cursor: options.cursor,
      field: `${field}: cursor`,
      onCorrupt: options.onCorrupt,
      async read(record) {
        const data = await decodeRecord<StoredRun>(record)
        if (wanted !== undefined && !wanted.includes(data.status)) return undefined
        if (agentName !== undefined && data.agentName !== agentName) return undefined
        if (sessionId !== undefined && data.sessionId !== sessionId) return undefined
        return toRecord(record, data)
      },
    })
    return { runs: page.items, nextCursor: page.nextCursor, skipped: page.skipped }
  }

  return {
    async save<TSnapshot extends RunSnapshot>(input: SaveRunInput<TSnapshot>) {
      const runId = requireId(input.runId, 'runs.save: runId')
      requireId(input.agentName, 'runs.save: agentName')
      if (!statuses.has(input.status)) {
        throw new ConfigError({
          message: `runs.save: status ${JSON.stringify(input.status)} is not a run status.`,
        })
      }
      const snapshot = input.snapshot as unknown
      if (
        snapshot === null ||
        typeof snapshot !== 'object' ||
        Array.isArray(snapshot) ||
        !Number.isInteger((snapshot as RunSnapshot).version)
      ) {
        throw new ConfigError({
          message:
            'runs.save: snapshot must be a JSON object with an integer `version` (the format version of your state).',
        })
      }
      if (input.metadata !== undefined) requireJson(input.metadata, 'runs.save: metadata')
      const now = Date.now()
      const run: StoredRun = compact({
        version: 1,
        runId,
        agentName: input.agentName,
        status: input.status,
        sessionId: input.sessionId,
        metadata: input.metadata,
      })
      const operations: WriteOperation[] = [
        {
          type: 'put',
          collection: 'run',
          key: runId,
          group: input.agentName,
          // creation time; later saves keep it, so a checkpoint never moves an index entry
          order: now,
          keepPosition: true,
          indexes: runIndexes(run),
          data: run as unknown as JsonObject,
          ...(input.expectedRevision === undefined ? {} : { expectedRevision: input.expectedRevision }),
        },
        {
          type: 'put',
          collection: 'run-checkpoint',
          key: runId,
          group: '',
          // a constant order: the checkpoint is never listed, and its index entry then never moves
          order: 0,
          data: { version: 1, runId, snapshot: snapshot as JsonObject },
        },
      ]
      if (input.events !== undefined && input.events.length > 0) {
        operations.push(...eventOperations(runId, input.events, 'runs.save: events'))
      }
      const revisions = await commitOrThrow(driver, operations, now)
      return { runId, revision: revisions[0] as number, updatedAt: now }
    },

    async get(runId) {
      const record = await driver.get('run', requireId(runId, 'runs.get: runId'))
      return record === null ? null : toRecord(record, await decodeRecord<StoredRun>(record))
    },

    async load<TSnapshot extends RunSnapshot = RunSnapshot>(runId: string) {
      requireId(runId, 'runs.load: runId')
      const [run, checkpoint] = await Promise.all([
        driver.get('run', runId),
        driver.get('run-checkpoint', runId),
      ])
      if (run === null || checkpoint === null) return null
      const [data, saved] = await Promise.all([
        decodeRecord<StoredRun>(run),
        decodeRecord<{ snapshot: TSnapshot }>(checkpoint),
      ])
      return { record: toRecord(run, data), snapshot: saved.snapshot } satisfies RunCheckpoint<TSnapshot>
    },

    async list(options = {}) {
      return (await listRuns(options, 'runs.list')).runs
    },

    page(options = {}) {
      return listRuns(options, 'runs.page')
    },

    async appendEvents(runId, events) {
      requireId(runId, 'runs.appendEvents: runId')
      if (events.length === 0) return
      await commitOrThrow(driver, eventOperations(runId, events, 'runs.appendEvents: events'))
    },

    async readEvents(runId, options = {}) {
      requireId(runId, 'runs.readEvents: runId')
      const records = await driver.list('run-event', {
        group: runId,
        afterOrder: options.afterSeq ?? 0,
        ...(options.limit === undefined
          ? {}
          : { limit: limitOf(options.limit, 0, 'runs.readEvents: limit') }),
      })
      const decoded = await decodeRecords<{ event: RunEvent }>(records)
      return decoded.map((data) => data.event)
    },

    async lastEventSeq(runId) {
      requireId(runId, 'runs.lastEventSeq: runId')
      const [last] = await driver.list('run-event', { group: runId, descending: true, limit: 1 })
      return last === undefined ? 0 : last.order
    },

    async delete(runId) {
      requireId(runId, 'runs.delete: runId')
      const existing = await driver.get('run', runId)
      await commitOrThrow(driver, [
        { type: 'delete', collection: 'run', key: runId },
        { type: 'delete', collection: 'run-checkpoint', key: runId },
        { type: 'deleteGroup', collection: 'run-event', group: runId },
      ])
      return existing !== null
    },
  }
}
