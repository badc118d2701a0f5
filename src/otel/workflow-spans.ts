import type { NestedEvent, WorkflowEvent, WorkflowOwnEvent } from '../workflows/workflow-event.js'
import { AGENTLOOP, GEN_AI, OPERATION, SPAN_EVENT, ERROR_TYPE } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import type { RunLikeEvent, RunTranslator } from './run-spans.js'
import type { OpenSpan, SpanWriter } from './span-writer.js'

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
  'budget.exceeded',
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
  /** Open workflow executions by run id (nested sub-workflows by their own run id). */
  readonly #workflows = new Map<string, WorkflowSpans>()
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
    else this.#own(event as WorkflowOwnEvent, event.runId, undefined, false)
  }

  #own(event: WorkflowOwnEvent, runId: string, parent: OpenSpan | undefined, nested: boolean): void {
    const spans = this.#spans
    if (event.type === 'workflow.start') {
      const stale = this.#workflows.get(runId)
      if (stale !== undefined) spans.end(stale.span, { time: event.time })
      const span = spans.start(
        parent,
        `${OPERATION.INVOKE_WORKFLOW} ${event.workflow}`,
        'internal',
        {
          [GEN_AI.OPERATION_NAME]: OPERATION.INVOKE_WORKFLOW,
          [GEN_AI.WORKFLOW_NAME]: event.workflow,
          [AGENTLOOP.RUN_ID]: runId,
          ...(event.resumed ? { [AGENTLOOP.RUN_RESUMED]: true } : {}),
        },
        event.time,
      )
      this.#workflows.set(runId, { span, nodes: new Map(), nested })
      return
    }
    const run = this.#workflows.get(runId)
    if (run === undefined) return
    switch (event.type) {
      case 'workflow.end':
        this.#workflows.delete(runId)
        spans.end(run.span, {
          attributes: { [AGENTLOOP.WORKFLOW_STATUS]: event.status },
          error:
            event.status === 'failed' || event.status === 'cancelled'
              ? {
                  type: event.error?.name ?? event.status,
                  message: this.#content.message(event.error?.message ?? `the workflow was ${event.status}`),
                }
              : undefined,
          time: event.time,
        })
        return
      case 'node.start':
        spans.end(run.nodes.get(event.nodeId), { time: event.time })
        run.nodes.set(
          event.nodeId,
          spans.start(
            run.span,
            `node ${event.nodeId}`,
            'internal',
            {
              [AGENTLOOP.NODE_ID]: event.nodeId,
              [AGENTLOOP.NODE_TYPE]: event.nodeType,
              [AGENTLOOP.NODE_ITERATION]: event.iteration,
            },
            event.time,
          ),
        )
        return
      case 'node.retry':
        spans.event(
          run.nodes.get(event.nodeId),
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
        spans.end(run.nodes.get(event.nodeId), {
          attributes: {
            [AGENTLOOP.NODE_STATUS]: event.status,
            [AGENTLOOP.ATTEMPTS]: event.attempts,
            ...(event.recovered === true ? { [AGENTLOOP.NODE_RECOVERED]: true } : {}),
          },
          error:
            event.status === 'failed' || event.status === 'cancelled'
              ? {
                  type: event.error?.name ?? event.status,
                  message: this.#content.message(event.error?.message ?? `the node was ${event.status}`),
                }
              : undefined,
          time: event.time,
        })
        run.nodes.delete(event.nodeId)
        return
      default:
        event satisfies never
    }
  }

  #nested(event: NestedEvent): void {
    const nestedId = event.nodeRunId
    if (nestedId === undefined) return
    if (this.#skipped.has(nestedId)) {
      if (event.type === 'run.end') this.#skipped.delete(nestedId)
      return
    }
    const node = this.#workflows.get(event.runId)?.nodes.get(event.nodeId)
    if (event.type === 'workflow.start' || event.type === 'workflow.end') {
      this.#own(event as unknown as WorkflowOwnEvent, nestedId, node, true)
      return
    }
    // A sub-workflow's own nested events lost their node ids when forwarded: it stays one span.
    if (this.#workflows.get(nestedId)?.nested === true || !RUN_TYPES.has(event.type)) return
    if (event.type === 'run.start' && this.#runs.has(nestedId)) {
      // The agent's runtime traces this run already (Runtime observers): keep that one.
      this.#skipped.add(nestedId)
      return
    }
    this.#runs.observe(event as unknown as RunLikeEvent, nestedId, node)
  }
}

interface WorkflowSpans {
  span: OpenSpan
  nodes: Map<string, OpenSpan>
  /** A sub-workflow, seen through its parent's events. */
  nested: boolean
}
