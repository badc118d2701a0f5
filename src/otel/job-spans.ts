import type { StepEvent } from '../steps/step-event.js'
import { AGENTLOOP, ERROR_TYPE, SPAN_EVENT } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import type { SpanWriter } from './span-writer.js'

/**
 * Turns a step job's events into spans: `job {name}` per execution (a resumed job opens a new
 * one) and `step {name}` per step run, covering its attempts; retries, skipped steps (completed by
 * an earlier execution) and progress reports become span events.
 */
export function observeJob(spans: SpanWriter, content: ContentPolicy, event: StepEvent): void {
  const jobKey = `job:${event.jobId}`
  switch (event.type) {
    case 'job.start':
      spans.start(jobKey, {
        name: `job ${event.jobName}`,
        attributes: {
          [AGENTLOOP.JOB_ID]: event.jobId,
          [AGENTLOOP.JOB_NAME]: event.jobName,
          ...(event.resumed ? { [AGENTLOOP.RUN_RESUMED]: true } : {}),
        },
        time: event.time,
      })
      return
    case 'step.start':
      // Later attempts stay in the step's span; their failures were reported as retries.
      if (spans.has(`${jobKey}/step/${event.step}`)) return
      spans.start(`${jobKey}/step/${event.step}`, {
        parentKey: jobKey,
        name: `step ${event.step}`,
        attributes: { [AGENTLOOP.STEP_NAME]: event.step, [AGENTLOOP.STEP_INDEX]: event.index },
        time: event.time,
      })
      return
    case 'step.retry':
      spans.event(
        `${jobKey}/step/${event.step}`,
        SPAN_EVENT.RETRY,
        {
          [AGENTLOOP.ATTEMPT]: event.attempt,
          [AGENTLOOP.DELAY_MS]: event.delayMs,
          [ERROR_TYPE]: event.error.name,
          [AGENTLOOP.ERROR_MESSAGE]: content.message(event.error.message),
        },
        event.time,
      )
      return
    case 'step.end':
      spans.end(`${jobKey}/step/${event.step}`, {
        attributes: {
          [AGENTLOOP.ATTEMPTS]: event.attempt,
          [AGENTLOOP.STEP_CHECKPOINTED]: event.checkpointed,
        },
        time: event.time,
      })
      return
    case 'step.fail':
      spans.end(`${jobKey}/step/${event.step}`, {
        attributes: { [AGENTLOOP.ATTEMPTS]: event.attempts },
        error: { type: event.error.name, message: content.message(event.error.message) },
        time: event.time,
      })
      return
    case 'step.skip':
      spans.event(jobKey, SPAN_EVENT.STEP_SKIP, { [AGENTLOOP.STEP_NAME]: event.step }, event.time)
      return
    case 'step.progress':
      spans.event(
        `${jobKey}/step/${event.step}`,
        SPAN_EVENT.STEP_PROGRESS,
        { [AGENTLOOP.STEP_PROGRESS]: event.progress },
        event.time,
      )
      return
    case 'job.end':
      spans.end(jobKey, {
        attributes: { [AGENTLOOP.JOB_STATUS]: event.status },
        ...(event.error === undefined
          ? event.status === 'completed'
            ? {}
            : { error: { type: event.status, message: `the job was ${event.status}` } }
          : { error: { type: event.error.name, message: content.message(event.error.message) } }),
        time: event.time,
      })
      return
    default:
      event satisfies never
  }
}
