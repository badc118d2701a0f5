import type { StepEvent } from '../steps/step-event.js'
import { AGENTLOOP } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import { failureOf, observeStep, type SpanGroup } from './span-groups.js'
import type { SpanWriter } from './span-writer.js'
import type { TraceAttributes } from './trace-event.js'

/**
 * Turns a step job's events into spans: `job {name}` per execution (a resumed job opens a new
 * one) and, through {@link observeStep}, `step {name}` per step run, covering its attempts;
 * retries, skipped steps (completed by an earlier execution) and progress reports become span events.
 */
export class JobTranslator {
  readonly #jobs = new Map<string, SpanGroup>()
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
      const attributes: TraceAttributes = {
        [AGENTLOOP.JOB_ID]: event.jobId,
        [AGENTLOOP.JOB_NAME]: event.jobName,
      }
      if (event.resumed) attributes[AGENTLOOP.RUN_RESUMED] = true
      const span = spans.start(undefined, `job ${event.jobName}`, 'internal', attributes, event.time)
      this.#jobs.set(event.jobId, { span, children: undefined })
      return
    }
    const job = this.#jobs.get(event.jobId)
    if (job === undefined) return
    if (event.type !== 'job.end') {
      observeStep(spans, this.#content, job, event)
      return
    }
    this.#jobs.delete(event.jobId)
    spans.end(job.span, {
      attributes: { [AGENTLOOP.JOB_STATUS]: event.status },
      error: failureOf(
        this.#content,
        event.error !== undefined || event.status !== 'completed',
        'job',
        event.status,
        event.error,
      ),
      time: event.time,
    })
  }
}
