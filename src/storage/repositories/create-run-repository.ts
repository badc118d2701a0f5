import { ConfigError } from '../../errors/errors.js'
import type { RunStatus } from '../../events/run-event.js'
import type { JsonObject } from '../../util/json.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import {
  type ListRunsOptions,
  RUN_STATUSES,
  type RunCheckpoint,
  type RunKind,
  type RunPage,
  type RunRecord,
  type RunRepository,
  type RunSnapshot,
  type SaveRunInput,
} from '../run-repository.js'
import type { StoreDriver, StoredRecord, WriteOperation } from '../store-driver.js'
import { eventBatchOperation, eventOperations, eventsOf, type StoredEvents } from './event-records.js'
import {
  checkHeldEvents,
  checkpointData,
  loadedSnapshot,
  readHeldEvents,
  withHeldEvents,
} from './held-events.js'
import { readPage } from './list-pages.js'
import { compactRun, pruneCheckpoint } from './run-retention.js'
import { appendOperations, checkMessages } from './session-records.js'
import {
  commitOrThrow,
  compact,
  compositeKey,
  conflictError,
  limitOf,
  requireId,
  requireJson,
} from './shared.js'

interface StoredRun {
  version: 1
  runId: string
  kind?: RunKind
  agentName: string
  status: RunStatus
  sessionId?: string
  metadata?: JsonObject
}

const statuses = new Set<string>(RUN_STATUSES)

function toRecord(record: StoredRecord, data: StoredRun): RunRecord {
  return compact({
    runId: data.runId,
    kind: kindOf(data),
    agentName: data.agentName,
    status: data.status,
    revision: record.revision,
    sessionId: data.sessionId,
    metadata: data.metadata,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  })
}

/** Records stored before kinds existed: step jobs were told apart by their `steps:` name. */
function kindOf(data: StoredRun): RunKind {
  return data.kind ?? (data.agentName.startsWith('steps:') ? 'steps' : 'agent')
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
    const kind = options.kind ?? 'agent'
    if (kind !== 'agent' && kind !== 'steps' && kind !== 'all') {
      throw new ConfigError({
        message: `${field}: kind ${JSON.stringify(kind)} is not 'agent', 'steps' or 'all'.`,
      })
    }
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
        // step jobs share the collection; they are few next to agent runs, so kind is filtered here
        if (kind !== 'all' && kindOf(data) !== kind) return undefined
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
      checkHeldEvents(runId, snapshot as RunSnapshot)
      if (input.metadata !== undefined) requireJson(input.metadata, 'runs.save: metadata')
      const now = Date.now()
      if (input.kind !== undefined && input.kind !== 'agent' && input.kind !== 'steps') {
        throw new ConfigError({
          message: `runs.save: kind ${JSON.stringify(input.kind)} is not a run kind ('agent' or 'steps').`,
        })
      }
      // Built field by field (no `undefined` to drop afterwards): this runs on every checkpoint.
      const run = { version: 1, runId } as StoredRun
      if (input.kind === 'steps') run.kind = 'steps'
      run.agentName = input.agentName
      run.status = input.status
      if (input.sessionId !== undefined) run.sessionId = input.sessionId
      if (input.metadata !== undefined) run.metadata = input.metadata
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
          expectedRevision: input.expectedRevision,
        },
        {
          type: 'put',
          collection: 'run-checkpoint',
          key: runId,
          group: '',
          // a constant order: the checkpoint is never listed, and its index entry then never moves
          order: 0,
          // nor rewritten: the update leaves the indexed columns alone (one index page less per save)
          keepPosition: true,
          data: checkpointData(runId, snapshot as JsonObject),
        },
      ]
      if (input.events !== undefined && input.events.length > 0) {
        operations.push(eventBatchOperation(runId, input.events, 'runs.save: events'))
      }
      if (input.part !== undefined) {
        const expected = input.expectedRevision
        if (expected === undefined) {
          throw new ConfigError({
            message:
              'runs.save: a part needs expectedRevision (null for a new run): parts are ordered by revision.',
          })
        }
        const revision = (expected ?? 0) + 1
        operations.push({
          type: 'put',
          collection: 'run-part',
          key: compositeKey(runId, String(revision)),
          group: runId,
          order: revision,
          data: { version: 1, part: input.part },
          expectedRevision: null,
        })
      }
      const append = input.sessionAppend
      if (append === undefined || append.messages.length === 0) {
        const revisions = await commitOrThrow(driver, operations, now)
        return { runId, revision: revisions[0] as number, updatedAt: now }
      }
      requireId(append.sessionId, 'runs.save: sessionAppend.sessionId')
      await checkMessages(append.messages, 'runs.save: sessionAppend.messages')
      const ownOperations = operations.length
      for (let attempt = 1; ; attempt++) {
        const added = await appendOperations(driver, append.sessionId, append.messages, now)
        const all = [...operations, ...added.operations]
        const result = await driver.commit(all, now)
        if (result.ok) return { runId, revision: result.revisions[0] as number, updatedAt: now }
        // Another append to the session came first: read its new head and try again. A conflict
        // on the run itself means another process continued it: that is final.
        if (result.index < ownOperations || attempt >= 200) throw conflictError(all, result)
        if (attempt > 2)
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 20)))
      }
    },

    async get(runId) {
      const record = await driver.get('run', requireId(runId, 'runs.get: runId'))
      return record === null ? null : toRecord(record, await decodeRecord<StoredRun>(record))
    },

    async load<TSnapshot extends RunSnapshot = RunSnapshot>(runId: string) {
      requireId(runId, 'runs.load: runId')
      const [run, checkpoint, partRecords] = await Promise.all([
        driver.get('run', runId),
        driver.get('run-checkpoint', runId),
        driver.list('run-part', { group: runId }),
      ])
      if (run === null || checkpoint === null) return null
      const [data, saved, parts] = await Promise.all([
        decodeRecord<StoredRun>(run),
        decodeRecord<{ snapshot: TSnapshot }>(checkpoint),
        decodeRecords<{ part: JsonObject }>(partRecords.filter((record) => record.order <= run.revision)),
      ])
      return {
        record: toRecord(run, data),
        snapshot: loadedSnapshot(runId, saved.snapshot),
        parts: parts.map((entry) => entry.part),
      } satisfies RunCheckpoint<TSnapshot>
    },

    async list(options = {}) {
      return (await listRuns(options, 'runs.list')).runs
    },

    page(options = {}) {
      return listRuns(options, 'runs.page')
    },

    async appendEvents(runId, events, options = {}) {
      requireId(runId, 'runs.appendEvents: runId')
      if (events.length === 0) return
      if (options.expectedRevision === undefined) {
        await commitOrThrow(driver, eventOperations(runId, events, 'runs.appendEvents: events'))
        return
      }
      await commitOrThrow(driver, [
        { type: 'check', collection: 'run', key: runId, expectedRevision: options.expectedRevision },
        eventBatchOperation(runId, events, 'runs.appendEvents: events'),
      ])
    },

    async readEvents(runId, options = {}) {
      requireId(runId, 'runs.readEvents: runId')
      const afterSeq = options.afterSeq ?? 0
      const limit =
        options.limit === undefined ? undefined : limitOf(options.limit, 0, 'runs.readEvents: limit')
      const [records, held] = await Promise.all([
        driver.list('run-event', {
          group: runId,
          afterOrder: afterSeq,
          // Each record listed holds at least one event after `afterSeq`.
          ...(limit === undefined ? {} : { limit }),
        }),
        readHeldEvents(driver, runId),
      ])
      const stored = eventsOf(
        runId,
        await decodeRecords<StoredEvents>(records),
        afterSeq,
        records.map((record) => record.key),
      )
      // The held events (all of them) merged before the limit: the first events by seq are among them and the records listed.
      const events = withHeldEvents(stored, held, afterSeq)
      return limit === undefined ? events : events.slice(0, limit)
    },

    async lastEventSeq(runId) {
      requireId(runId, 'runs.lastEventSeq: runId')
      const [[last], held] = await Promise.all([
        driver.list('run-event', { group: runId, descending: true, limit: 1 }),
        readHeldEvents(driver, runId),
      ])
      return Math.max(last === undefined ? 0 : last.order, held.at(-1)?.seq ?? 0)
    },

    async pruneCheckpoint(runId) {
      return pruneCheckpoint(driver, requireId(runId, 'runs.pruneCheckpoint: runId'))
    },

    async compact(runId) {
      return compactRun(driver, requireId(runId, 'runs.compact: runId'))
    },

    async delete(runId) {
      requireId(runId, 'runs.delete: runId')
      const existing = await driver.get('run', runId)
      await commitOrThrow(driver, [
        { type: 'delete', collection: 'run', key: runId },
        { type: 'delete', collection: 'run-checkpoint', key: runId },
        { type: 'deleteGroup', collection: 'run-part', group: runId },
        { type: 'deleteGroup', collection: 'run-event', group: runId },
      ])
      return existing !== null
    },
  }
}
