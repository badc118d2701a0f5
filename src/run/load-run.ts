/**
 * Loading a stored agent run to continue it: its checkpoint (a queued or pruned run cannot be
 * resumed), its state read back and validated, and where its stored copy stands (revision, last
 * event, the parts of the conversation already saved).
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import { parseRunState } from './parse-run-state.js'
import type { RunState } from './run-state.js'
import { loadStoredState, savedParts } from './stored-run-state.js'

/** A stored run, loaded and validated. */
export interface LoadedRun {
  state: RunState
  stored: { revision: number; seq: number; saved: { messages: number; items: number } }
}

/** The stored checkpoint of `runId`; a queued or pruned run is a `ConfigError`. */
export async function loadCheckpoint(storage: Storage, runId: string): Promise<RunCheckpoint> {
  const checkpoint = await storage.runs.load(runId)
  if (checkpoint?.record.status === 'queued') {
    throw new ConfigError({
      message: `resume: run "${runId}" is queued (submitted, not started yet): runtime.wait("${runId}") waits for it.`,
    })
  }
  if (checkpoint === null) {
    const record = await storage.runs.get(runId)
    throw new ConfigError({
      message:
        record === null
          ? `resume: there is no stored run "${runId}".`
          : `resume: run "${runId}" (${record.status}) has no checkpoint any more (it was pruned); its record and event log remain (storage.runs.readEvents). Start a new run instead.`,
    })
  }
  return checkpoint
}

/** An agent run's state from its checkpoint, validated. */
export async function checkpointState(storage: Storage, checkpoint: RunCheckpoint): Promise<RunState> {
  const { runId } = checkpoint.record
  return parseRunState(await loadStoredState(storage, runId, checkpoint), runId)
}

/** An agent run's state from its stored checkpoint, validated, with where its stored copy stands. */
export async function loadRun(storage: Storage, checkpoint: RunCheckpoint): Promise<LoadedRun> {
  const { runId } = checkpoint.record
  const state = await checkpointState(storage, checkpoint)
  return {
    state,
    stored: {
      revision: checkpoint.record.revision,
      seq: await storage.runs.lastEventSeq(runId),
      saved: savedParts(checkpoint.snapshot, state),
    },
  }
}
