import type { RunStepEvent } from '../events/run-event.js'
import { AGENTLOOP, ERROR_TYPE, SPAN_EVENT } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import type { RunSpans } from './run-spans.js'
import type { SpanWriter } from './span-writer.js'

/**
 * A runnable's step (`ctx.step`) in its run's log: a `step {name}` span under the run covering its
 * attempts, retries and progress as span events, a skipped step (done before a resume) as an
 * event of the run.
 */
export function observeRunnableStep(
  spans: SpanWriter,
  content: ContentPolicy,
  run: RunSpans,
  event: RunStepEvent,
): void {
  const open = run.steps?.get(event.step)
  switch (event.type) {
    case 'step.start':
      if (open !== undefined) return
      run.steps ??= new Map()
      run.steps.set(
        event.step,
        spans.start(
          run.span,
          `step ${event.step}`,
          'internal',
          {
            [AGENTLOOP.STEP_NAME]: event.step,
            ...(event.index === undefined ? {} : { [AGENTLOOP.STEP_INDEX]: event.index }),
          },
          event.time,
        ),
      )
      return
    case 'step.retry':
      spans.event(
        open,
        SPAN_EVENT.RETRY,
        {
          ...(event.attempt === undefined ? {} : { [AGENTLOOP.ATTEMPT]: event.attempt }),
          ...(event.delayMs === undefined ? {} : { [AGENTLOOP.DELAY_MS]: event.delayMs }),
          [ERROR_TYPE]: event.error?.name ?? 'Error',
          [AGENTLOOP.ERROR_MESSAGE]: content.message(event.error?.message ?? ''),
        },
        event.time,
      )
      return
    case 'step.end':
    case 'step.fail':
      run.steps?.delete(event.step)
      spans.end(open, {
        attributes: {
          ...(event.attempts === undefined && event.attempt === undefined
            ? {}
            : { [AGENTLOOP.ATTEMPTS]: (event.attempts ?? event.attempt) as number }),
        },
        error:
          event.type === 'step.fail'
            ? {
                type: event.error?.name ?? 'Error',
                message: content.message(event.error?.message ?? 'the step failed'),
              }
            : undefined,
        time: event.time,
      })
      return
    case 'step.skip':
      spans.event(run.span, SPAN_EVENT.STEP_SKIP, { [AGENTLOOP.STEP_NAME]: event.step }, event.time)
      return
    case 'step.progress':
      if (event.progress !== undefined) {
        spans.event(open, SPAN_EVENT.STEP_PROGRESS, { [AGENTLOOP.STEP_PROGRESS]: event.progress }, event.time)
      }
      return
    default:
      event.type satisfies never
  }
}
