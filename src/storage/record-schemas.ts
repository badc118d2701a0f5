/**
 * The zod schemas of every stored record (format version 1; `run-event` also 2 and 3). Loaded on demand by `record-codec.ts`
 * (the first read of a record), so importing agentloop does not load zod.
 *
 * @module
 */
import { z } from 'zod'
import { Message } from '../messages/message-schema.js'
import { RUN_STATUSES } from './run-repository.js'
import { TASK_STATUSES } from './task-repository.js'

const Json = z.json()
const JsonObject = z.record(z.string(), Json)
const id = z.string().min(1)
const timestamp = z.number().finite()

const runStatus = z.enum(RUN_STATUSES)
const storedEvent = z.looseObject({
  type: z.string(),
  runId: z.string(),
  seq: z.number().int(),
  time: timestamp,
})
/** A compact batch of events (format 2 of `run-event`, repositories/event-batch.ts). */
const compactBatch = z.object({
  version: z.literal(2),
  seq: z.number().int().min(1),
  time: timestamp,
  events: z.array(z.looseObject({ type: z.string() })).min(1),
  dt: z.array(z.number().int()).optional(),
  at: z.array(timestamp).optional(),
  seqs: z.array(z.number().int().min(1)).optional(),
})
const memoryScope = z.enum(['global', 'project', 'session', 'user'])

/** The schemas by collection, every format version each reads (see `LATEST_VERSIONS`). */
export const recordSchemas: Record<string, z.ZodType> = {
  run: z.object({
    version: z.literal(1),
    runId: id,
    kind: z.enum(['agent', 'steps']).optional(),
    agentName: z.string(),
    status: runStatus,
    sessionId: z.string().optional(),
    metadata: JsonObject.optional(),
  }),
  'run-checkpoint': z.object({
    version: z.literal(1),
    runId: id,
    // heldEvents: the newest events of the run's log, held in its checkpoint (held-events.ts)
    snapshot: z.looseObject({ version: z.number(), heldEvents: compactBatch.optional() }),
  }),
  // An append-only piece of a run's state, saved once with one of its checkpoints.
  'run-part': z.object({ version: z.literal(1), part: JsonObject }),
  // One event (appendEvents) or the events of one checkpoint, in seq order; format 2 is the
  // compact batch (repositories/event-records.ts): runId, seq and time written once.
  'run-event': z.union([
    z.object({ version: z.literal(1), event: storedEvent }),
    z.object({ version: z.literal(1), events: z.array(storedEvent).min(1) }),
    compactBatch,
    // a finished run's whole log, compressed by runs.compact (repositories/event-archive.ts)
    z.object({
      version: z.literal(3),
      seq: z.number().int().min(1),
      last: z.number().int().min(1),
      count: z.number().int().min(1),
      codec: z.string(),
      data: z.string(),
    }),
  ]),
  session: z.object({
    version: z.literal(1),
    sessionId: id,
    title: z.string().optional(),
    metadata: JsonObject.optional(),
    activeBranchId: id,
    // a fork's lineage; added after format version 1 shipped, optional so older records still read
    parentSessionId: id.optional(),
    forkedFromMessageId: id.optional(),
  }),
  'session-branch': z.object({
    version: z.literal(1),
    sessionId: id,
    branchId: id,
    headId: id.nullable(),
    forkedFrom: z.object({ branchId: id, messageId: id }).optional(),
  }),
  // format 2 leaves out the session and the message id (the record's group and key hold them)
  'session-message': z.union([
    z.object({
      version: z.literal(1),
      sessionId: id,
      id,
      parentId: id.nullable(),
      message: Message,
    }),
    z.object({ version: z.literal(2), parentId: id.nullable(), message: Message }),
  ]),
  memory: z.object({
    version: z.literal(1),
    scope: memoryScope,
    scopeId: z.string().nullable(),
    key: z.string(),
    value: Json,
  }),
  preference: z.object({
    version: z.literal(1),
    scope: memoryScope,
    scopeId: z.string().nullable(),
    values: JsonObject,
  }),
  task: z.object({
    version: z.literal(1),
    id,
    namespace: z.string(),
    title: z.string(),
    // added after format version 1 shipped, optional so older records still read
    description: z.string().optional(),
    status: z.enum(TASK_STATUSES),
    priority: z.number().finite(),
    dependsOn: z.array(id),
    dueAt: timestamp.optional(),
    input: Json.optional(),
    result: Json.optional(),
    checkpoint: Json.optional(),
    attempts: z.number().int().nonnegative(),
    lastError: z.object({ name: z.string().optional(), message: z.string() }).optional(),
    metadata: JsonObject.optional(),
  }),
  fact: z.object({
    version: z.literal(1),
    id,
    namespace: z.string(),
    type: z.string(),
    subject: z.string().optional(),
    content: Json,
    confidence: z.number().finite().optional(),
    metadata: JsonObject,
  }),
  summary: z.object({
    version: z.literal(1),
    id,
    namespace: z.string(),
    subject: z.string().optional(),
    text: z.string(),
    metadata: JsonObject,
  }),
  embedding: z.object({
    version: z.literal(1),
    id,
    namespace: z.string(),
    vector: z.array(z.number().finite()).min(1),
    text: z.string().optional(),
    metadata: JsonObject,
  }),
  'audit-entry': z.object({
    version: z.literal(1),
    id,
    eventType: z.string(),
    action: z.string(),
    actor: z.string().optional(),
    runId: z.string().optional(),
    details: JsonObject,
    time: timestamp,
  }),
  'audit-error': z.object({
    version: z.literal(1),
    id,
    severity: z.enum(['debug', 'info', 'warning', 'error', 'critical']),
    message: z.string(),
    errorName: z.string().optional(),
    source: z.string().optional(),
    runId: z.string().optional(),
    details: JsonObject,
    time: timestamp,
    resolved: z.boolean(),
    resolution: z.string().optional(),
    resolvedAt: timestamp.optional(),
  }),
  'audit-metric': z.object({
    version: z.literal(1),
    id,
    name: z.string(),
    value: z.number().finite(),
    unit: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    time: timestamp,
  }),
}
