/**
 * The zod schema of a steps job's checkpoint. Loaded on demand by `job-checkpoint.ts` (the first
 * time a checkpoint is read back), so importing agentloop does not load zod.
 *
 * @module
 */
import { z } from 'zod'

const error = z.object({ name: z.string(), message: z.string() })

/** Format version 1 of a job's checkpoint. */
export const JobSnapshotV1 = z.object({
  version: z.literal(1),
  kind: z.literal('steps'),
  jobName: z.string().min(1),
  state: z.record(z.string(), z.json()),
  results: z.record(z.string(), z.json()),
  completed: z.array(z.string().min(1)),
  seq: z.number().int().min(0),
  startedAt: z.number().finite(),
  failure: z.object({ step: z.string(), attempts: z.number().int().min(0), error }).optional(),
})
