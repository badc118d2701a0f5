/**
 * The events of a steps job: plain JSON objects discriminated on `type`, each with the job's id, a
 * `seq` that increases by one per event of the job (continuing from the last checkpoint when the
 * job is resumed) and the `time` (milliseconds since the epoch).
 *
 * @module
 */
import type { DistributiveOmit } from '../util/types.js'

/** How a job ended. */
export type JobStatus = 'completed' | 'failed' | 'cancelled'

/** The fields every step event carries. */
export interface StepEventBase {
  jobId: string
  /** 1 for the first event of a job, then +1 per event; resumed jobs continue from their checkpoint. */
  seq: number
  /** Milliseconds since the Unix epoch. */
  time: number
}

/** The job starts (or resumes: `resumed` is true and `completed` lists the steps it will skip). */
export interface JobStartEvent extends StepEventBase {
  type: 'job.start'
  jobName: string
  resumed: boolean
  /** Every step of the job, in order. */
  steps: string[]
  /** Steps completed by an earlier execution, restored from the checkpoint. */
  completed: string[]
}

/** The job ended. `failedStep` and `error` are set when it failed or was cancelled. */
export interface JobEndEvent extends StepEventBase {
  type: 'job.end'
  jobName: string
  status: JobStatus
  durationMs: number
  failedStep?: string
  error?: { name: string; message: string }
}

/** An attempt of a step starts. */
export interface StepStartEvent extends StepEventBase {
  type: 'step.start'
  step: string
  /** Position of the step in the job, from 0. */
  index: number
  /** 1 for the first attempt. */
  attempt: number
}

/** A step completed; `checkpointed` says whether its result was saved to storage right away. */
export interface StepEndEvent extends StepEventBase {
  type: 'step.end'
  step: string
  index: number
  attempt: number
  durationMs: number
  checkpointed: boolean
}

/** An attempt failed and the step will run again after `delayMs`. */
export interface StepRetryEvent extends StepEventBase {
  type: 'step.retry'
  step: string
  /** The attempt that failed. */
  attempt: number
  delayMs: number
  error: { name: string; message: string }
}

/** A step was not run: an earlier execution of the job completed it (its result was restored). */
export interface StepSkipEvent extends StepEventBase {
  type: 'step.skip'
  step: string
  index: number
  reason: 'completed'
}

/** A step failed for good (retries exhausted, a non-retryable error, a timeout or a cancellation). */
export interface StepFailEvent extends StepEventBase {
  type: 'step.fail'
  step: string
  attempts: number
  error: { name: string; message: string }
}

/** A step reported its progress with `report(progress, message?)`. */
export interface StepProgressEvent extends StepEventBase {
  type: 'step.progress'
  step: string
  /** From 0 to 1. */
  progress: number
  message?: string
}

/** Any event of a steps job. */
export type StepEvent =
  | JobStartEvent
  | JobEndEvent
  | StepStartEvent
  | StepEndEvent
  | StepRetryEvent
  | StepSkipEvent
  | StepFailEvent
  | StepProgressEvent

/** The `type` of any step event. */
export type StepEventType = StepEvent['type']

/** An event before the job stamps it with `jobId`, `seq` and `time`. */
export type StepEventData = DistributiveOmit<StepEvent, keyof StepEventBase>
