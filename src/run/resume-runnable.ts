/**
 * Resuming a paused runnable (`runtime.resume(runId, { input })`): checks the answer, then stores
 * it with the run in one compare-and-set write (status `queued`), so the run continues from its
 * last checkpoint in whichever process takes it from the queue. A bad answer, a run that is not
 * paused or a second resume of the same pause changes nothing stored.
 *
 * @module
 */
import { AgentLoopError, ConfigError } from '../errors/errors.js'
import { requireJson } from '../storage/repositories/shared.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import type { JsonValue } from '../util/json.js'
import type { RunnableRegistry } from './runnable.js'
import { isRunnableSnapshot, type RunnableSnapshot } from './runnable-journal.js'

/** What storing a resume needs. */
export interface StoreResumeOptions {
  storage: Storage
  registry: RunnableRegistry
  checkpoint: RunCheckpoint
  input: JsonValue | undefined
}

/** Checks `input` against the paused run and stores it with status `queued`; throws and stores nothing otherwise. */
export async function storeResumeInput(options: StoreResumeOptions): Promise<void> {
  const { storage, registry, checkpoint, input } = options
  const { record } = checkpoint
  const { runId, status } = record
  const snapshot = checkpoint.snapshot
  if (!isRunnableSnapshot(snapshot)) {
    throw new ConfigError({ message: `resume: run "${runId}" is not a runnable's run.` })
  }
  if (status === 'queued' || status === 'running') {
    throw new ConfigError({
      message: `resume: run "${runId}" is ${status}, not paused: runtime.wait("${runId}") waits for it to end or pause.`,
    })
  }
  if (status !== 'awaiting_input' && status !== 'needs_review') {
    throw new ConfigError({
      message: `resume: run "${runId}" of "${record.agentName}" ended with status ${status}; only a run paused with awaiting_input or needs_review takes { input }. Submit a new run instead.`,
    })
  }
  if (input === undefined) {
    throw new ConfigError({
      message: `resume: run "${runId}" of "${record.agentName}" is ${status}: pass the answer as runtime.resume("${runId}", { input }). It asks: ${JSON.stringify(snapshot.request ?? null)}.`,
    })
  }
  requireJson(input, 'resume options: input')
  const entry = registry.get(record.agentName)
  if (entry?.kind !== 'custom') {
    throw new ConfigError({
      message: `resume: run "${runId}" belongs to runnable "${record.agentName}", which is not registered on this runtime. Register it (runtime.register(...)) before resuming.`,
    })
  }
  const check = entry.runnable.checkInput
  if (check !== undefined) {
    try {
      check.call(entry.runnable, structuredClone(input), {
        state: structuredClone(snapshot.state),
        request: structuredClone(snapshot.request),
        parts: structuredClone(checkpoint.parts),
      })
    } catch (error) {
      if (error instanceof AgentLoopError) throw error
      throw new ConfigError({
        message: `resume: runnable "${record.agentName}" rejected the input of run "${runId}": ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      })
    }
  }
  const next: RunnableSnapshot = { ...snapshot, resumeInput: structuredClone(input) }
  delete next.request
  try {
    await storage.runs.save({
      runId,
      kind: record.kind,
      agentName: record.agentName,
      status: 'queued',
      snapshot: next,
      expectedRevision: record.revision,
      ...(record.metadata === undefined ? {} : { metadata: record.metadata }),
      ...(record.sessionId === undefined ? {} : { sessionId: record.sessionId }),
    })
  } catch (error) {
    if (error instanceof StorageConflictError) {
      throw new ConfigError({
        message: `resume: run "${runId}" changed while its input was being stored (resumed or cancelled elsewhere); nothing was stored. runtime.wait("${runId}") shows where it stands.`,
        cause: error,
      })
    }
    throw error
  }
}
