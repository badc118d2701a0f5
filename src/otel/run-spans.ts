import type { RunEvent } from '../events/run-event.js'
import type { AttemptEndEvent } from '../functions/function-event.js'
import { AGENTLOOP, ERROR_TYPE, GEN_AI, OPERATION, SPAN_EVENT } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import { addUsage, finishReason, splitModel, toGenAiMessage } from './genai-values.js'
import { observeRunnableStep } from './runnable-steps.js'
import type { OpenSpan, SpanWriter } from './span-writer.js'
import type { TraceAttributes } from './trace-event.js'

/** The events of an agent run or an LLM function call. */
export type RunLikeEvent = RunEvent | AttemptEndEvent

/** What is open of one run. */
export interface RunSpans {
  kind: 'agent' | 'function' | 'runnable' | 'steps'
  provider: string
  model: string
  span: OpenSpan
  /** The model call in progress (a run makes one at a time). */
  chat: OpenSpan | undefined
  /** The LLM function's attempt in progress. */
  attempt: OpenSpan | undefined
  tools: Map<string, OpenSpan> | undefined
  /** A runnable's steps in progress (`ctx.step`), by name. */
  steps: Map<string, OpenSpan> | undefined
}

/**
 * Turns the events of agent runs and LLM function calls into spans: `invoke_agent {agent}` per
 * run (or per resumed execution), `attempt {n}` per attempt of an LLM function, `chat {model}`
 * (CLIENT) per model call, `execute_tool {tool}` per tool call; compactions, checkpoints,
 * approval requests and failed function attempts become span events.
 */
export class RunTranslator {
  readonly #runs = new Map<string, RunSpans>()
  /** Nested runs traced from their caller's forwarded events. */
  readonly #viaCaller = new Set<string>()
  readonly #spans: SpanWriter
  readonly #content: ContentPolicy

  constructor(spans: SpanWriter, content: ContentPolicy) {
    this.#spans = spans
    this.#content = content
  }

  /** Whether the run with this id is being traced. */
  has(runId: string): boolean {
    return this.#runs.has(runId)
  }

  /** Handles one event of the run with id `runId`, under the span `parent` if any. */
  observe(event: RunLikeEvent, runId: string, parent?: OpenSpan): void {
    const spans = this.#spans
    if (event.type === 'run.start') {
      this.#start(event, runId, parent)
      return
    }
    const run = this.#runs.get(runId)
    if (run === undefined) return
    switch (event.type) {
      case 'turn.start':
        if (run.kind === 'function') {
          spans.end(run.attempt, { time: event.time })
          run.attempt = spans.start(
            run.span,
            `attempt ${event.turn}`,
            'internal',
            { [AGENTLOOP.ATTEMPT]: event.turn },
            event.time,
          )
        }
        return
      case 'turn.end':
        spans.end(run.attempt, { time: event.time })
        run.attempt = undefined
        return
      case 'attempt.end': {
        if (event.ok) return
        const failure = event.failure
        const type = failure?.kind ?? 'rejected'
        const message = this.#content.message(failure?.message ?? 'the answer was rejected')
        spans.end(run.attempt, {
          attributes: { [AGENTLOOP.FAILURE_KIND]: type },
          error: { type, message },
          time: event.time,
        })
        spans.event(
          run.span,
          SPAN_EVENT.RETRY,
          { [AGENTLOOP.ATTEMPT]: event.turn, [ERROR_TYPE]: type, [AGENTLOOP.ERROR_MESSAGE]: message },
          event.time,
        )
        return
      }
      case 'model.start':
        spans.end(run.chat, { time: event.time })
        run.chat = spans.start(
          run.kind === 'function' && run.attempt !== undefined ? run.attempt : run.span,
          `${OPERATION.CHAT} ${run.model}`,
          'client',
          {
            [GEN_AI.OPERATION_NAME]: OPERATION.CHAT,
            [GEN_AI.PROVIDER_NAME]: run.provider,
            [GEN_AI.REQUEST_MODEL]: run.model,
          },
          event.time,
        )
        return
      case 'model.end': {
        const attributes: TraceAttributes = {
          [GEN_AI.RESPONSE_FINISH_REASONS]: [finishReason(event.finishReason)],
          [GEN_AI.RESPONSE_MODEL]: event.responseModel ?? run.model,
        }
        addUsage(attributes, event.usage)
        if (event.responseId !== undefined) attributes[GEN_AI.RESPONSE_ID] = event.responseId
        if (this.#content.capture) {
          const parts: unknown[] = []
          if (event.text !== '') parts.push({ type: 'text', content: event.text })
          for (const call of event.toolCalls) {
            parts.push({ type: 'tool_call', id: call.callId, name: call.toolName, arguments: call.arguments })
          }
          attributes[GEN_AI.OUTPUT_MESSAGES] = this.#content.content(
            [{ role: 'assistant', parts, finish_reason: finishReason(event.finishReason) }],
            GEN_AI.OUTPUT_MESSAGES,
          )
        }
        spans.end(run.chat, { attributes, time: event.time })
        run.chat = undefined
        return
      }
      case 'tool.start': {
        const attributes: TraceAttributes = {
          [GEN_AI.OPERATION_NAME]: OPERATION.EXECUTE_TOOL,
          [GEN_AI.TOOL_NAME]: event.toolName,
          [GEN_AI.TOOL_CALL_ID]: event.callId,
          [GEN_AI.TOOL_TYPE]: 'function',
        }
        if (this.#content.capture) {
          attributes[GEN_AI.TOOL_CALL_ARGUMENTS] = this.#content.content(
            event.arguments,
            GEN_AI.TOOL_CALL_ARGUMENTS,
          )
        }
        run.tools ??= new Map()
        run.tools.set(
          event.callId,
          spans.start(
            run.span,
            `${OPERATION.EXECUTE_TOOL} ${event.toolName}`,
            'internal',
            attributes,
            event.time,
          ),
        )
        return
      }
      case 'tool.end': {
        const span = run.tools?.get(event.callId)
        if (span === undefined) return
        run.tools?.delete(event.callId)
        const attributes: TraceAttributes = {}
        if (this.#content.capture) {
          attributes[GEN_AI.TOOL_CALL_RESULT] = this.#content.content(event.output, GEN_AI.TOOL_CALL_RESULT)
        }
        spans.end(span, {
          attributes,
          error: event.isError
            ? { type: 'tool_error', message: `tool "${event.toolName}" returned an error result` }
            : undefined,
          time: event.time,
        })
        return
      }
      case 'context.compact':
        spans.event(
          run.span,
          SPAN_EVENT.COMPACTION,
          {
            [AGENTLOOP.TURN]: event.turn,
            [AGENTLOOP.COMPACT_TOKENS_BEFORE]: event.tokensBefore,
            [AGENTLOOP.COMPACT_TOKENS_AFTER]: event.tokensAfter,
            [AGENTLOOP.COMPACT_BUDGET_TOKENS]: event.budgetTokens,
            [AGENTLOOP.COMPACT_MESSAGES_BEFORE]: event.messagesBefore,
            [AGENTLOOP.COMPACT_MESSAGES_AFTER]: event.messagesAfter,
            [AGENTLOOP.COMPACT_STRATEGIES]: event.steps.map((step) => step.strategy),
          },
          event.time,
        )
        return
      case 'context.budget':
        spans.event(
          run.span,
          SPAN_EVENT.CONTEXT_BUDGET,
          { [AGENTLOOP.BUDGET_SOURCE]: event.source, [AGENTLOOP.COMPACT_BUDGET_TOKENS]: event.budgetTokens },
          event.time,
        )
        return
      case 'budget.exceeded':
        spans.event(
          run.span,
          SPAN_EVENT.CONTEXT_BUDGET,
          { [AGENTLOOP.EVENT_NAME]: event.type, [AGENTLOOP.BUDGET_SOURCE]: event.budget.scope },
          event.time,
        )
        return
      case 'checkpoint.save':
        spans.event(
          run.span,
          SPAN_EVENT.CHECKPOINT,
          {
            [AGENTLOOP.CHECKPOINT_REASON]: event.reason,
            [AGENTLOOP.CHECKPOINT_REVISION]: event.revision,
            [AGENTLOOP.TURN]: event.turn,
          },
          event.time,
        )
        return
      case 'approval.request':
        spans.event(
          run.span,
          SPAN_EVENT.APPROVAL_REQUEST,
          {
            [GEN_AI.TOOL_NAME]: event.toolName,
            [GEN_AI.TOOL_CALL_ID]: event.callId,
            [AGENTLOOP.APPROVAL_KIND]: event.kind,
          },
          event.time,
        )
        return
      case 'run.end': {
        this.#runs.delete(runId)
        const attributes: TraceAttributes = {
          [AGENTLOOP.RUN_STATUS]: event.status,
          [AGENTLOOP.RUN_TURNS]: event.turns,
          [AGENTLOOP.RUN_MODEL_CALLS]: event.usage.modelCalls,
          [AGENTLOOP.RUN_TOOL_CALLS]: event.usage.toolCalls,
        }
        addUsage(attributes, event.usage)
        if (this.#content.capture && event.output !== undefined) {
          attributes[GEN_AI.OUTPUT_MESSAGES] = this.#content.content(
            [{ role: 'assistant', parts: [{ type: 'text', content: event.output }] }],
            GEN_AI.OUTPUT_MESSAGES,
          )
        }
        const failed = event.status === 'failed' || event.status === 'cancelled'
        spans.end(run.span, {
          attributes,
          error: failed
            ? {
                type: event.error?.name ?? event.status,
                message: this.#content.message(event.error?.message ?? `the run was ${event.status}`),
              }
            : undefined,
          time: event.time,
        })
        return
      }
      case 'step.start':
      case 'step.end':
      case 'step.retry':
      case 'step.skip':
      case 'step.fail':
      case 'step.progress':
        observeRunnableStep(this.#spans, this.#content, run, event)
        return
      case 'agent.handoff':
        spans.event(
          run.span,
          SPAN_EVENT.HANDOFF,
          {
            [AGENTLOOP.HANDOFF_FROM]: event.from,
            [AGENTLOOP.HANDOFF_TO]: event.to,
            [GEN_AI.TOOL_CALL_ID]: event.callId,
          },
          event.time,
        )
        return
      case 'nested.event': {
        // An agent called as a tool. Its runtime usually traces it directly (first); the
        // forwarded copy is traced only when the nested run was not seen directly.
        const inner = event.event
        if (inner.type === 'run.start') {
          if (this.#runs.has(inner.runId)) return
          this.#viaCaller.add(inner.runId)
          this.observe(inner, inner.runId, run.tools?.get(event.callId) ?? run.span)
          return
        }
        if (!this.#viaCaller.has(inner.runId)) return
        if (inner.type === 'run.end') this.#viaCaller.delete(inner.runId)
        this.observe(inner, inner.runId)
        return
      }
      case 'custom':
        // Only the name: the data is the runnable's own and may be content.
        spans.event(run.span, SPAN_EVENT.CUSTOM, { [AGENTLOOP.EVENT_NAME]: event.name }, event.time)
        return
      case 'checkpoint.load':
        spans.event(run.span, SPAN_EVENT.RESUME, { [AGENTLOOP.EVENT_NAME]: event.type }, event.time)
        return
      case 'session.load':
        spans.event(run.span, SPAN_EVENT.SESSION_LOAD, {}, event.time)
        return
      case 'session.append':
        spans.event(run.span, SPAN_EVENT.SESSION_APPEND, {}, event.time)
        return
      case 'input.request':
        spans.event(run.span, SPAN_EVENT.INPUT_REQUEST, {}, event.time)
        return
      case 'workflow.start':
      case 'workflow.end':
        // A workflow run on the Runtime: its run span is the workflow's; the events mark it.
        spans.event(run.span, SPAN_EVENT.WORKFLOW, { [AGENTLOOP.EVENT_NAME]: event.type }, event.time)
        return
      case 'node.start':
      case 'node.retry':
      case 'node.end':
        spans.event(
          run.span,
          SPAN_EVENT.NODE,
          { [AGENTLOOP.EVENT_NAME]: event.type, [AGENTLOOP.NODE_ID]: event.nodeId },
          event.time,
        )
        return
      case 'node.event':
      case 'text.delta':
      case 'reasoning.delta':
      case 'tool.args.delta':
        return
      default:
        event satisfies never
    }
  }

  #start(event: RunLikeEvent & { type: 'run.start' }, runId: string, parent: OpenSpan | undefined): void {
    // A run id still open (an event stream that lost its end) is closed before it is reused.
    const stale = this.#runs.get(runId)
    if (stale !== undefined) this.#spans.end(stale.span, { time: event.time })
    const [provider, model] = splitModel(event.model)
    const kind = event.kind ?? 'agent'
    const attributes: TraceAttributes = {
      [GEN_AI.OPERATION_NAME]: OPERATION.INVOKE_AGENT,
      [GEN_AI.AGENT_NAME]: event.agent,
      [AGENTLOOP.RUN_ID]: runId,
      [AGENTLOOP.RUN_KIND]: kind,
    }
    // Runnables and step jobs run no model of their own: no provider, no model.
    if (kind === 'agent' || kind === 'function') {
      attributes[GEN_AI.PROVIDER_NAME] = provider
      attributes[GEN_AI.REQUEST_MODEL] = model
    }
    if (event.session !== undefined) attributes[GEN_AI.CONVERSATION_ID] = event.session
    if (event.resumed === true) attributes[AGENTLOOP.RUN_RESUMED] = true
    if (this.#content.capture && event.input.length > 0) {
      attributes[GEN_AI.INPUT_MESSAGES] = this.#content.content(
        event.input.map(toGenAiMessage),
        GEN_AI.INPUT_MESSAGES,
      )
    }
    // A nested run (an agent called as a tool) sits under its caller's tool call.
    if (parent === undefined && event.parent !== undefined) {
      const caller = this.#runs.get(event.parent.runId)
      parent = caller?.tools?.get(event.parent.callId) ?? caller?.span
    }
    const name = kind === 'steps' ? `job ${event.agent}` : `${OPERATION.INVOKE_AGENT} ${event.agent}`
    const span = this.#spans.start(parent, name, 'internal', attributes, event.time)
    this.#runs.set(runId, {
      kind,
      provider,
      model,
      span,
      chat: undefined,
      attempt: undefined,
      tools: undefined,
      steps: undefined,
    })
  }
}
