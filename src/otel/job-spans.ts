import type { StepEvent } from '../steps/step-event.js'
import { AGENTLOOP, ERROR_TYPE, SPAN_EVENT } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import type { OpenSpan, SpanWriter } from './span-writer.js'

interface JobSpans {
  span: OpenSpan
  steps: Map<string, OpenSpan>
}

/**
 * Turns a step job's events into spans: `job {name}` per execution (a resumed job opens a new
 * one) and `step {name}` per step run, covering its attempts; retries, skipped steps (completed by
 * an earlier execution) and progress reports become span events.
 */
export class JobTranslator {
  readonly #jobs = new Map<string, JobSpans>()
  readonly #spans: SpanWriter
  readonly #content: ContentPolicy

  constructor(spans: SpanWriter, content: ContentPolicy) {
    this.#spans = spans
    this.#content = content
  }

  observe(event: StepEvent): void {
    const spans = this.#spans
    if (event.type === 'job.start') {
      const stale = this.#jobs.get(event.jobId)
      if (stale !== undefined) spans.end(stale.span, { time: event.time })
      const span = spans.start(
        undefined,
        `job ${event.jobName}`,
        'internal',
        {
          [AGENTLOOP.JOB_ID]: event.jobId,
          [AGENTLOOP.JOB_NAME]: event.jobName,
          ...(event.resumed ? { [AGENTLOOP.RUN_RESUMED]: true } : {}),
        },
        event.time,
      )
      this.#jobs.set(event.jobId, { span, steps: new Map() })
      return
    }
    const job = this.#jobs.get(event.jobId)
    if (job === undefined) return
    switch (event.type) {
      case 'step.start':
        // Later attempts stay in the step's span; their failures were reported as retries.
        if (job.steps.has(event.step)) return
        job.steps.set(
          event.step,
          spans.start(
            job.span,
            `step ${event.step}`,
            'internal',
            { [AGENTLOOP.STEP_NAME]: event.step, [AGENTLOOP.STEP_INDEX]: event.index },
            event.time,
          ),
        )
        return
      case 'step.retry':
        spans.event(
          job.steps.get(event.step),
          SPAN_EVENT.RETRY,
          {
            [AGENTLOOP.ATTEMPT]: event.attempt,
            [AGENTLOOP.DELAY_MS]: event.delayMs,
            [ERROR_TYPE]: event.error.name,
            [AGENTLOOP.ERROR_MESSAGE]: this.#content.message(event.error.message),
          },
          event.time,
        )
        return
      case 'step.end':
        spans.end(job.steps.get(event.step), {
          attributes: {
            [AGENTLOOP.ATTEMPTS]: event.attempt,
            [AGENTLOOP.STEP_CHECKPOINTED]: event.checkpointed,
          },
          time: event.time,
        })
        job.steps.delete(event.step)
        return
      case 'step.fail':
        spans.end(job.steps.get(event.step), {
          attributes: { [AGENTLOOP.ATTEMPTS]: event.attempts },
          error: { type: event.error.name, message: this.#content.message(event.error.message) },
          time: event.time,
        })
        job.steps.delete(event.step)
        return
      case 'step.skip':
        spans.event(job.span, SPAN_EVENT.STEP_SKIP, { [AGENTLOOP.STEP_NAME]: event.step }, event.time)
        return
      case 'step.progress':
        spans.event(
          job.steps.get(event.step),
          SPAN_EVENT.STEP_PROGRESS,
          { [AGENTLOOP.STEP_PROGRESS]: event.progress },
          event.time,
        )
        return
      case 'job.end':
        this.#jobs.delete(event.jobId)
        spans.end(job.span, {
          attributes: { [AGENTLOOP.JOB_STATUS]: event.status },
          error:
            event.error !== undefined
              ? { type: event.error.name, message: this.#content.message(event.error.message) }
              : event.status === 'completed'
                ? undefined
                : { type: event.status, message: `the job was ${event.status}` },
          time: event.time,
        })
        return
      default:
        event satisfies never
    }
  }
}
