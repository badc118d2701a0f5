/**
 * One mechanism for the units of work inside an execution: a span (a step job's, a run's, a
 * workflow's) and the child spans it opens and finds again by key (a step's name, a node's id).
 * Step jobs, runnables' `ctx.step` calls, standalone workflows and workflows run by the Runtime all
 * go through these functions, so a step or a node looks the same wherever it runs.
 *
 * @module
 */
import { AGENTLOOP, ERROR_TYPE, SPAN_EVENT } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import type { OpenSpan, SpanEnding, SpanWriter } from './span-writer.js'
import type { TraceAttributes } from './trace-event.js'

/** A span and its open children by key. */
export interface SpanGroup {
  span: OpenSpan
  children: Map<string, OpenSpan> | undefined
}

/** A step event, of a step job (every field set) or of a run's log (`RunStepEvent`, fields optional). */
export interface StepLikeEvent {
  type: 'step.start' | 'step.end' | 'step.retry' | 'step.skip' | 'step.fail' | 'step.progress'
  step: string
  time: number
  index?: number
  attempt?: number
  attempts?: number
  delayMs?: number
  checkpointed?: boolean
  progress?: number
  error?: { name: string; message: string }
}

/** A node event, of a standalone workflow (every field set) or of a run's log (fields optional). */
export interface NodeLikeEvent {
  type: 'node.start' | 'node.retry' | 'node.end'
  nodeId: string
  time: number
  nodeType?: string
  iteration?: number
  status?: string
  attempts?: number
  attempt?: number
  delayMs?: number
  recovered?: boolean
  error?: { name: string; message: string }
}

/** The attributes of a `agentloop.retry` span event. */
export function retryAttributes(
  content: ContentPolicy,
  attempt: number | undefined,
  delayMs: number | undefined,
  error: { name: string; message: string } | undefined,
): TraceAttributes {
  const attributes: TraceAttributes = {
    [ERROR_TYPE]: error?.name ?? 'Error',
    [AGENTLOOP.ERROR_MESSAGE]: content.message(error?.message ?? ''),
  }
  if (attempt !== undefined) attributes[AGENTLOOP.ATTEMPT] = attempt
  if (delayMs !== undefined) attributes[AGENTLOOP.DELAY_MS] = delayMs
  return attributes
}

/** Whether a status of a workflow, node or run is a failure the span reports as an error. */
export function isFailure(status: string | undefined): boolean {
  return status === 'failed' || status === 'cancelled'
}

/**
 * The error a span of something that `failed` ends with: the error's class name and redacted
 * message, or the status when there is no error (`the node was cancelled`); none when not failed.
 */
export function failureOf(
  content: ContentPolicy,
  failed: boolean,
  what: string,
  status: string | undefined,
  error: { name: string; message: string } | undefined,
): SpanEnding['error'] {
  if (!failed) return undefined
  return {
    type: error?.name ?? status ?? 'Error',
    message: content.message(error?.message ?? `the ${what} was ${status ?? 'failed'}`),
  }
}

/**
 * A step of a step job or of a runnable (`ctx.step`): a `step {name}` span under the group covering
 * its attempts, retries and progress as span events, a skipped step (done before a resume) as an
 * event of the group's span.
 */
export function observeStep(
  spans: SpanWriter,
  content: ContentPolicy,
  group: SpanGroup,
  event: StepLikeEvent,
): void {
  const open = group.children?.get(event.step)
  switch (event.type) {
    case 'step.start': {
      // Later attempts stay in the step's span; their failures were reported as retries.
      if (open !== undefined) return
      const attributes: TraceAttributes = { [AGENTLOOP.STEP_NAME]: event.step }
      if (event.index !== undefined) attributes[AGENTLOOP.STEP_INDEX] = event.index
      group.children ??= new Map()
      group.children.set(
        event.step,
        spans.start(group.span, `step ${event.step}`, 'internal', attributes, event.time),
      )
      return
    }
    case 'step.retry':
      spans.event(
        open,
        SPAN_EVENT.RETRY,
        retryAttributes(content, event.attempt, event.delayMs, event.error),
        event.time,
      )
      return
    case 'step.end':
    case 'step.fail': {
      group.children?.delete(event.step)
      const attributes: TraceAttributes = {}
      const attempts = event.attempts ?? event.attempt
      if (attempts !== undefined) attributes[AGENTLOOP.ATTEMPTS] = attempts
      if (event.checkpointed !== undefined) attributes[AGENTLOOP.STEP_CHECKPOINTED] = event.checkpointed
      spans.end(open, {
        attributes,
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
    }
    case 'step.skip':
      spans.event(group.span, SPAN_EVENT.STEP_SKIP, { [AGENTLOOP.STEP_NAME]: event.step }, event.time)
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

/**
 * A node of a workflow: a `node {id}` span under the workflow's span per run of the node (a loop's
 * second pass opens a new one), retries as its span events, its status and error at the end.
 */
export function observeNode(
  spans: SpanWriter,
  content: ContentPolicy,
  group: SpanGroup,
  event: NodeLikeEvent,
): void {
  switch (event.type) {
    case 'node.start': {
      const attributes: TraceAttributes = { [AGENTLOOP.NODE_ID]: event.nodeId }
      if (event.nodeType !== undefined) attributes[AGENTLOOP.NODE_TYPE] = event.nodeType
      if (event.iteration !== undefined) attributes[AGENTLOOP.NODE_ITERATION] = event.iteration
      group.children ??= new Map()
      spans.end(group.children.get(event.nodeId), { time: event.time })
      group.children.set(
        event.nodeId,
        spans.start(group.span, `node ${event.nodeId}`, 'internal', attributes, event.time),
      )
      return
    }
    case 'node.retry':
      spans.event(
        group.children?.get(event.nodeId),
        SPAN_EVENT.RETRY,
        retryAttributes(content, event.attempt, event.delayMs, event.error),
        event.time,
      )
      return
    case 'node.end': {
      const attributes: TraceAttributes = {}
      if (event.status !== undefined) attributes[AGENTLOOP.NODE_STATUS] = event.status
      if (event.attempts !== undefined) attributes[AGENTLOOP.ATTEMPTS] = event.attempts
      if (event.recovered === true) attributes[AGENTLOOP.NODE_RECOVERED] = true
      spans.end(group.children?.get(event.nodeId), {
        attributes,
        error: failureOf(content, isFailure(event.status), 'node', event.status, event.error),
        time: event.time,
      })
      group.children?.delete(event.nodeId)
      return
    }
    default:
      event.type satisfies never
  }
}
