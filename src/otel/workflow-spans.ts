import type { NestedEvent, WorkflowEvent, WorkflowOwnEvent } from '../workflows/workflow-event.js'
import { AGENTLOOP, GEN_AI, OPERATION, SPAN_EVENT, ERROR_TYPE } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import type { RunLikeEvent, RunTranslator } from './run-spans.js'
import type { SpanWriter } from './span-writer.js'

const OWN_TYPES = new Set(['workflow.start', 'workflow.end', 'node.start', 'node.retry', 'node.end'])
const RUN_TYPES = new Set([
  'run.start',
  'run.end',
  'turn.start',
  'turn.end',
  'model.start',
  'model.end',
  'tool.start',
  'tool.end',
  'context.compact',
  'context.budget',
  'checkpoint.save',
  'approval.request',
  'attempt.end',
])

/**
 * Turns a workflow run's events into spans: `invoke_workflow {name}` per execution, `node {id}`
 * per node run (a loop's second pass opens a new one), node retries as span events. Agents and
 * LLM functions that nodes run (their events are forwarded with `nodeId` and `nodeRunId`) get
 * their spans under the node's span; a sub-workflow is one `invoke_workflow` span under its node.
 */
export class WorkflowTranslator {
  readonly #spans: SpanWriter
  readonly #content: ContentPolicy
  readonly #runs: RunTranslator
  /** Nested run ids that are sub-workflows (their own nested events are not broken out). */
  readonly #subWorkflows = new Set<string>()
  /** Nested run ids already traced elsewhere (by a Runtime observer): not traced twice. */
  readonly #skipped = new Set<string>()

  constructor(spans: SpanWriter, content: ContentPolicy, runs: RunTranslator) {
    this.#spans = spans
    this.#content = content
    this.#runs = runs
  }

  observe(event: WorkflowEvent): void {
    const nested = (event as NestedEvent).nodeRunId !== undefined || !OWN_TYPES.has(event.type)
    if (nested) this.#nested(event as NestedEvent)
    else this.#own(event as WorkflowOwnEvent, event.runId, undefined)
  }

  #own(event: WorkflowOwnEvent, runId: string, parentKey: string | undefined): void {
    const spans = this.#spans
    const key = `wf:${runId}`
    switch (event.type) {
      case 'workflow.start':
        spans.start(key, {
          parentKey,
          name: `${OPERATION.INVOKE_WORKFLOW} ${event.workflow}`,
          attributes: {
            [GEN_AI.OPERATION_NAME]: OPERATION.INVOKE_WORKFLOW,
            [GEN_AI.WORKFLOW_NAME]: event.workflow,
            [AGENTLOOP.RUN_ID]: runId,
            ...(event.resumed ? { [AGENTLOOP.RUN_RESUMED]: true } : {}),
          },
          time: event.time,
        })
        return
      case 'workflow.end':
        spans.end(key, {
          attributes: { [AGENTLOOP.WORKFLOW_STATUS]: event.status },
          ...(event.status === 'failed' || event.status === 'cancelled'
            ? {
                error: {
                  type: event.error?.name ?? event.status,
                  message: this.#content.message(event.error?.message ?? `the workflow was ${event.status}`),
                },
              }
            : {}),
          time: event.time,
        })
        return
      case 'node.start':
        spans.start(`${key}/node/${event.nodeId}`, {
          parentKey: key,
          name: `node ${event.nodeId}`,
          attributes: {
            [AGENTLOOP.NODE_ID]: event.nodeId,
            [AGENTLOOP.NODE_TYPE]: event.nodeType,
            [AGENTLOOP.NODE_ITERATION]: event.iteration,
          },
          time: event.time,
        })
        return
      case 'node.retry':
        spans.event(
          `${key}/node/${event.nodeId}`,
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
      case 'node.end':
        spans.end(`${key}/node/${event.nodeId}`, {
          attributes: {
            [AGENTLOOP.NODE_STATUS]: event.status,
            [AGENTLOOP.ATTEMPTS]: event.attempts,
            ...(event.recovered === true ? { [AGENTLOOP.NODE_RECOVERED]: true } : {}),
          },
          ...(event.status === 'failed' || event.status === 'cancelled'
            ? {
                error: {
                  type: event.error?.name ?? event.status,
                  message: this.#content.message(event.error?.message ?? `the node was ${event.status}`),
                },
              }
            : {}),
          time: event.time,
        })
        return
      default:
        event satisfies never
    }
  }

  #nested(event: NestedEvent): void {
    const nodeKey = `wf:${event.runId}/node/${event.nodeId}`
    const nestedId = event.nodeRunId
    if (nestedId === undefined) return
    if (this.#skipped.has(nestedId)) {
      if (event.type === 'run.end') this.#skipped.delete(nestedId)
      return
    }
    if (event.type === 'workflow.start' || event.type === 'workflow.end') {
      this.#subWorkflows.add(nestedId)
      this.#own(event as unknown as WorkflowOwnEvent, nestedId, nodeKey)
      if (event.type === 'workflow.end') this.#subWorkflows.delete(nestedId)
      return
    }
    if (this.#subWorkflows.has(nestedId) || !RUN_TYPES.has(event.type)) return
    if (event.type === 'run.start' && this.#spans.has(`run:${nestedId}`)) {
      // The agent's runtime traces this run already (Runtime observers): keep that one.
      this.#skipped.add(nestedId)
      return
    }
    this.#runs.observe(event as unknown as RunLikeEvent, nestedId, nodeKey)
  }
}
