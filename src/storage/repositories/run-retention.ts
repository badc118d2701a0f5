/**
 * Retention of finished runs (see docs/storage.md, "Retention"): `runs.pruneCheckpoint` drops a
 * run's checkpoint, `runs.compact` also rewrites its event log as one archive record
 * (`event-archive.ts`). Both refuse a run that may still resume and are guarded by its revision.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { RunStatus } from '../../events/run-event.js'
import type { JsonObject } from '../../util/json.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import type { StoreDriver, StoredRecord, WriteOperation } from '../store-driver.js'
import { archiveEvents } from './event-archive.js'
import { eventBatchOperation, eventsOf, type StoredEvents } from './event-records.js'
import { heldEventsIn, withHeldEvents } from './held-events.js'
import { commitOrThrow, compositeKey } from './shared.js'

/** Throws unless the run is completed, failed or cancelled (what retention may touch). */
async function requireFinished(run: StoredRecord, field: string): Promise<void> {
  const { status } = await decodeRecord<{ status: RunStatus }>(run)
  if (status !== 'completed' && status !== 'failed' && status !== 'cancelled') {
    throw new ConfigError({
      message: `${field}: run "${run.key}" is ${status}; only a completed, failed or cancelled run can be pruned or compacted (a paused or running run still needs its checkpoint to resume).`,
    })
  }
}

/** Deletes a run's checkpoint and its parts. */
function dropCheckpoint(runId: string): WriteOperation[] {
  return [
    { type: 'delete', collection: 'run-checkpoint', key: runId },
    { type: 'deleteGroup', collection: 'run-part', group: runId },
  ]
}

/** `runs.pruneCheckpoint`: false when the run or its checkpoint does not exist. */
export async function pruneCheckpoint(driver: StoreDriver, runId: string): Promise<boolean> {
  const [run, checkpoint] = await Promise.all([driver.get('run', runId), driver.get('run-checkpoint', runId)])
  if (run === null || checkpoint === null) return false
  await requireFinished(run, 'runs.pruneCheckpoint')
  const held = await heldEventsIn(runId, checkpoint)
  // Guarded by the run's revision: a run resumed meanwhile keeps its checkpoint. The events the
  // checkpoint held move into the log in the same write.
  await commitOrThrow(driver, [
    { type: 'check', collection: 'run', key: runId, expectedRevision: run.revision },
    ...(held.length === 0 ? [] : [eventBatchOperation(runId, held, 'runs.pruneCheckpoint: held events')]),
    ...dropCheckpoint(runId),
  ])
  return true
}

/** `runs.compact`: false when there is nothing left to do. */
export async function compactRun(driver: StoreDriver, runId: string): Promise<boolean> {
  const run = await driver.get('run', runId)
  if (run === null) return false
  await requireFinished(run, 'runs.compact')
  const [checkpoint, records] = await Promise.all([
    driver.get('run-checkpoint', runId),
    driver.list('run-event', { group: runId }),
  ])
  const [decoded, held] = await Promise.all([
    decodeRecords<StoredEvents>(records),
    heldEventsIn(runId, checkpoint),
  ])
  const archived = records.length === 1 && decoded[0]?.version === 3 && held.length === 0
  if (checkpoint === null && (archived || records.length === 0)) return false
  // Guarded by the run's revision: a run resumed meanwhile keeps its checkpoint and its log.
  const operations: WriteOperation[] = [
    { type: 'check', collection: 'run', key: runId, expectedRevision: run.revision },
    ...dropCheckpoint(runId),
  ]
  if (!archived && records.length + held.length > 0) {
    const keys = records.map((record) => record.key)
    const events = withHeldEvents(eventsOf(runId, decoded, 0, keys), held, 0)
    const archive = await archiveEvents(events)
    const key = compositeKey(runId, `a${archive.last}`)
    // The archive first, then the records it replaces: one atomic write, the log is never
    // empty. It overwrites an archive of the same last seq: it holds all that one held, and
    // events appended since inside its range (a gap filled late).
    operations.push({
      type: 'put',
      collection: 'run-event',
      key,
      group: runId,
      order: archive.last,
      data: archive as unknown as JsonObject,
      // base64 text: a backend that deflates what it stores wins back most of its quarter
      compress: true,
    })
    for (const old of keys) {
      if (old !== key) operations.push({ type: 'delete', collection: 'run-event', key: old })
    }
  }
  await commitOrThrow(driver, operations)
  return true
}
