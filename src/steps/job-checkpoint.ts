import { ConfigError } from '../errors/errors.js'
import type { RunStatus } from '../events/run-event.js'
import type { Storage } from '../storage/storage.js'
import { StoredDataError } from '../storage/storage-errors.js'
import type { JsonObject, JsonValue } from '../util/json.js'

/** The format version of the checkpoints this version of agentloop writes. */
export const JOB_SNAPSHOT_VERSION = 1

/**
 * What a job's checkpoint holds: its state, the results of its completed steps, the last event
 * `seq`, and why it failed (if it did). Stored as the snapshot of a run record whose `agentName`
 * is `steps:<jobName>`.
 */
export interface JobSnapshot {
  version: typeof JOB_SNAPSHOT_VERSION
  kind: 'steps'
  jobName: string
  state: JsonObject
  results: { [step: string]: JsonValue }
  /** Names of the completed steps, in the order they completed. */
  completed: string[]
  seq: number
  startedAt: number
  failure?: { step: string; attempts: number; error: { name: string; message: string } }
}

/** A loaded checkpoint: the snapshot, the stored status and the revision to save against. */
export interface LoadedJob {
  snapshot: JobSnapshot
  status: RunStatus
  revision: number
}

/** The run record's `agentName` of a job. */
export function agentNameOf(jobName: string): string {
  return `steps:${jobName}`
}

let schema: Promise<typeof import('./job-snapshot-schema.js')> | undefined

/**
 * Reads a job's checkpoint; null when there is none. A record of another job or of an agent run
 * under the same id is a `ConfigError`; a snapshot that fails validation, or was written by a newer
 * format version, is a `StoredDataError`.
 */
export async function loadJob(storage: Storage, jobId: string, jobName: string): Promise<LoadedJob | null> {
  const checkpoint = await storage.runs.load(jobId)
  if (checkpoint === null) return null
  const { record } = checkpoint
  if (record.agentName !== agentNameOf(jobName)) {
    const owner = record.agentName.startsWith('steps:')
      ? `job "${record.agentName.slice('steps:'.length)}"`
      : `a run of agent "${record.agentName}"`
    throw new ConfigError({
      message: `Job id "${jobId}" already belongs to ${owner} in this storage, not to job "${jobName}". Use another job id.`,
    })
  }
  const snapshot = checkpoint.snapshot as unknown as Record<string, unknown>
  const fail = (problem: string) =>
    new StoredDataError({
      message: `The checkpoint of job "${jobName}" (id ${jobId}) is unreadable: ${problem}`,
      collection: 'run-checkpoint',
      key: jobId,
    })
  const version = snapshot.version
  if (typeof version === 'number' && version > JOB_SNAPSHOT_VERSION) {
    throw fail(
      `it was written in format version ${version} by a newer agentloop; this one reads version ${JOB_SNAPSHOT_VERSION}. Upgrade agentloop.`,
    )
  }
  schema ??= import('./job-snapshot-schema.js')
  const parsed = (await schema).JobSnapshotV1.safeParse(snapshot)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path =
      issue === undefined || issue.path.length === 0 ? 'snapshot' : `snapshot.${issue.path.join('.')}`
    throw fail(
      `${path}: ${issue?.message ?? 'invalid'}. Delete the job (storage.runs.delete) or repair the record.`,
    )
  }
  if (parsed.data.jobName !== jobName) {
    throw fail(`it names job "${parsed.data.jobName}" but its record names job "${jobName}".`)
  }
  return { snapshot: parsed.data as JobSnapshot, status: record.status, revision: record.revision }
}

/**
 * Saves a job's checkpoint (compare-and-set on `expectedRevision`: `null` for a new job) and
 * returns the new revision.
 */
export async function saveJob(options: {
  storage: Storage
  jobId: string
  status: RunStatus
  snapshot: JobSnapshot
  expectedRevision: number | null
}): Promise<number> {
  const saved = await options.storage.runs.save({
    runId: options.jobId,
    kind: 'steps',
    agentName: agentNameOf(options.snapshot.jobName),
    status: options.status,
    snapshot: options.snapshot,
    expectedRevision: options.expectedRevision,
    metadata: { kind: 'steps', jobName: options.snapshot.jobName },
  })
  return saved.revision
}
