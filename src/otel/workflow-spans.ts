import type { NodeNestedEvent, RunNodeEvent, RunWorkflowEvent } from '../events/run-event.js'
import type { NestedEvent, WorkflowEvent, WorkflowOwnEvent } from '../workflows/workflow-event.js'
import { AGENTLOOP, GEN_AI, OPERATION } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import type { RunLikeEvent, RunTranslator } from './run-spans.js'
import { failureOf, isFailure, type NodeLikeEvent, observeNode, type SpanGroup } from './span-groups.js'
import type { OpenSpan, SpanWriter } from './span-writer.js'
import type { TraceAttributes } from './trace-event.js'

const OWN_TYPES = new Set(['workflow.start', 'workflow.end', 'node.start', 'node.retry', 'node.end'])
/** The events of a node's agent or LLM function that make spans (deltas and the like make none). */
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

/** Any event of a workflow: run standalone (`bound.run`), or by the Runtime (in the run's log). */
export type WorkflowLikeEvent = WorkflowEvent | RunWorkflowEvent | RunNodeEvent | NodeNestedEvent

interface WorkflowSpans extends SpanGroup {
  /** A sub-workflow, seen through its parent's events. */
  nested: boolean
}

/**
 * Turns a workflow run's events into spans: `invoke_workflow {name}` per execution, `node {id}`
 * per node run (see {@link observeNode}). Agents and LLM functions that nodes run (their events
 * are forwarded with `nodeId` and `nodeRunId`) get their spans under the node's span; a
 * sub-workflow is one `invoke_workflow` span under its node.
 *
 * The same for a workflow the Runtime runs (`runtime.register(bound)`): its `invoke_workflow`
 * span sits under the run's span, and the node's forwarded events arrive wrapped in `node.event`.
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

  observe(event: WorkflowLikeEvent): void {
    if (event.type === 'node.event') {
      // A Runtime run's node forwarded an event of what it ran: unwrapped only if it makes spans.
      const { event: inner, nodeId, nodeRunId, runId, seq, time } = event as NodeNestedEvent
      if (nodeRunId === undefined || !(OWN_TYPES.has(inner.type) || RUN_TYPES.has(inner.type))) return
      this.#nested({ ...inner, runId, seq, time, nodeId, nodeRunId })
      return
    }
    const nested = (event as NestedEvent).nodeRunId !== undefined || !OWN_TYPES.has(event.type)
    if (nested) this.#nested(event as NestedEvent)
    // A workflow the Runtime runs opens its span under the run's.
    else this.#own(event as WorkflowOwnEvent, event.runId, this.#runs.spanOf(event.runId), false)
  }

  /**
   * The open span of node `nodeId` of the workflow run `runId`, if this tracing saw it start: where
   * the run of an agent node goes (its `run.start` names the node as its `parent`). Undefined when
   * the node's start is not reported yet (an idempotent node reports it with its next write).
   */
  nodeSpan(runId: string, nodeId: string): OpenSpan | undefined {
    return this.#workflows.get(runId)?.children?.get(nodeId)
  }

  /** The run with this id ended: a workflow it ran and left open (a timeout, a crash) is dropped. */
  release(runId: string): void {
    this.#workflows.delete(runId)
  }

  #own(
    event: WorkflowOwnEvent | RunWorkflowEvent | RunNodeEvent,
    runId: string,
    parent: OpenSpan | undefined,
    nested: boolean,
  ): void {
    const spans = this.#spans
    if (event.type === 'workflow.start') {
      const stale = this.#workflows.get(runId)
      if (stale !== undefined) spans.end(stale.span, { time: event.time })
      const attributes: TraceAttributes = {
        [GEN_AI.OPERATION_NAME]: OPERATION.INVOKE_WORKFLOW,
        [GEN_AI.WORKFLOW_NAME]: event.workflow,
        [AGENTLOOP.RUN_ID]: runId,
      }
      if (event.resumed === true) attributes[AGENTLOOP.RUN_RESUMED] = true
      const name = `${OPERATION.INVOKE_WORKFLOW} ${event.workflow}`
      const span = spans.start(parent, name, 'internal', attributes, event.time)
      this.#workflows.set(runId, { span, children: undefined, nested })
      return
    }
    const run = this.#workflows.get(runId)
    if (run === undefined) return
    if (event.type === 'workflow.end') {
      this.#workflows.delete(runId)
      const status = event.status as string
      spans.end(run.span, {
        attributes: { [AGENTLOOP.WORKFLOW_STATUS]: status },
        error: failureOf(this.#content, isFailure(status), 'workflow', status, event.error),
        time: event.time,
      })
      return
    }
    observeNode(spans, this.#content, run, event as NodeLikeEvent)
  }

  #nested(event: NestedEvent): void {
    const nestedId = event.nodeRunId
    if (nestedId === undefined) return
    if (this.#skipped.has(nestedId)) {
      if (event.type === 'run.end') this.#skipped.delete(nestedId)
      return
    }
    const node = this.#workflows.get(event.runId)?.children?.get(event.nodeId)
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
