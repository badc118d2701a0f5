/**
 * Ending a run that no process executes (cancelled while queued or paused, or an orphan that
 * cannot be resumed): its status and `run.end` saved with one compare-and-set, then published.
 *
 * @module
 */
import type { AgentLoopError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { RunRecord } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import type { EventBus } from './event-bus.js'
import { isRunnableSnapshot, type RunnableSnapshot } from './runnable-journal.js'

/** Ends a run nobody executes (queued, paused or orphaned): its status and `run.end`, saved then published. */
export async function endStoredRun(ending: {
  storage: Storage
  bus: EventBus
  record: RunRecord
  status: 'cancelled' | 'failed'
  error: AgentLoopError
}): Promise<void> {
  const { storage, bus, record, status, error } = ending
  const checkpoint = await storage.runs.load(record.runId)
  const seq = await storage.runs.lastEventSeq(record.runId)
  const runEnd: RunEvent = {
    type: 'run.end',
    runId: record.runId,
    seq: seq + 1,
    time: Date.now(),
    status,
    error: { name: error.name, message: error.message },
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
    turns: 0,
  }
  const snapshot = checkpoint?.snapshot ?? { version: 1 }
  const stored = isRunnableSnapshot(snapshot)
    ? { ...snapshot, error: runEnd.error }
    : { ...(snapshot as object), status, error: runEnd.error }
  await storage.runs.save({
    runId: record.runId,
    kind: record.kind,
    agentName: record.agentName,
    status,
    snapshot: stored as RunnableSnapshot,
    expectedRevision: record.revision,
    events: [runEnd],
    ...(record.metadata === undefined ? {} : { metadata: record.metadata }),
    ...(record.sessionId === undefined ? {} : { sessionId: record.sessionId }),
  })
  bus.publish(record.runId, [runEnd])
}
