import { errorMessage } from '../errors/describe-error.js'
import { AgentLoopError, MaxRetriesExceededError } from '../errors/errors.js'

/**
 * A step of a job failed for good: its retries are used up, or it threw an error its `retryIf`
 * refused to retry. The job ends `failed`; the checkpoint keeps every completed step, and resuming
 * the job runs this step again (with a fresh retry budget). `cause` is the step's last error.
 */
export class StepFailedError extends MaxRetriesExceededError {
  readonly jobId: string
  readonly jobName: string
  readonly stepName: string
  constructor(options: {
    jobId: string
    jobName: string
    stepName: string
    attempts: number
    cause: unknown
  }) {
    const cause = errorMessage(options.cause)
    const last = /[.!?]$/.test(cause) ? cause : `${cause}.`
    super({
      message: `Step "${options.stepName}" of job "${options.jobName}" (id ${options.jobId}) failed after ${options.attempts} attempt${options.attempts === 1 ? '' : 's'}: ${last} Fix the cause and resume the job with the same id: completed steps are not run again.`,
      attempts: options.attempts,
      cause: options.cause,
    })
    this.jobId = options.jobId
    this.jobName = options.jobName
    this.stepName = options.stepName
  }
}

/** An attempt of a step ran past its `timeout`. The step's signal aborted with this error. */
export class StepTimeoutError extends AgentLoopError {
  readonly stepName: string
  readonly timeoutMs: number
  constructor(options: { stepName: string; timeoutMs: number }) {
    super({
      message: `Step "${options.stepName}" did not finish within its timeout of ${options.timeoutMs} ms. Raise the step's timeout, or make it stop sooner (it receives an AbortSignal that aborts at the deadline).`,
    })
    this.stepName = options.stepName
    this.timeoutMs = options.timeoutMs
  }
}
