import type { RunEvent } from '../events/run-event.js'
import type { AttemptEndEvent } from '../functions/function-event.js'
import { AGENTLOOP, GEN_AI, OPERATION, SPAN_EVENT } from './attributes.js'
import type { ContentPolicy } from './content-policy.js'
import { addUsage, type ChatModel, chatOf, finishReason, splitModel, toGenAiMessage } from './genai-values.js'
import { markRunEvent } from './run-span-events.js'
import { failureOf, isFailure, observeStep, retryAttributes, type SpanGroup } from './span-groups.js'
import type { OpenSpan, SpanWriter } from './span-writer.js'
import type { TraceAttributes } from './trace-event.js'

/** The events of an agent run or an LLM function call. */
export type RunLikeEvent = RunEvent | AttemptEndEvent

/** What is open of one run; its group's children are a runnable's steps in progress (`ctx.step`), by name. */
export interface RunSpans extends SpanGroup {
  kind: 'agent' | 'function' | 'runnable' | 'steps'
  provider: string
  model: string
  /** The model call in progress (a run makes one at a time). */
  chat: OpenSpan | undefined
  /** The name and attributes of this run's `chat` spans, for the model they were made for. */
  chatModel: ChatModel | undefined
  /** The LLM function's attempt in progress. */
  attempt: OpenSpan | undefined
  tools: Map<string, OpenSpan> | undefined
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
  readonly #chatModels = new Map<string, ChatModel>()
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

  /** The span of the open run with this id (a workflow run by the Runtime opens its span under it). */
  spanOf(runId: string): OpenSpan | undefined {
    return this.#runs.get(runId)?.span
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
          retryAttributes(this.#content, event.turn, undefined, { name: type, message }),
          event.time,
        )
        return
      }
      case 'model.start': {
        spans.end(run.chat, { time: event.time })
        // One name and attribute set per model of the run (a handoff may change the model).
        let chat = run.chatModel
        if (chat === undefined || chat.model !== event.model) {
          chat = this.#chatOf(event.model ?? `${run.provider}:${run.model}`)
          run.chatModel = chat
        }
        run.chat = spans.start(
          run.kind === 'function' && run.attempt !== undefined ? run.attempt : run.span,
          chat.name,
          'client',
          chat.attributes,
          event.time,
        )
        return
      }
      case 'model.end': {
        const attributes: TraceAttributes = {
          [GEN_AI.RESPONSE_FINISH_REASONS]: [finishReason(event.finishReason)],
          [GEN_AI.RESPONSE_MODEL]: event.responseModel ?? run.chatModel?.modelId ?? run.model,
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
        spans.end(span, {
          attributes: this.#content.capture
            ? { [GEN_AI.TOOL_CALL_RESULT]: this.#content.content(event.output, GEN_AI.TOOL_CALL_RESULT) }
            : undefined,
          error: event.isError
            ? { type: 'tool_error', message: `tool "${event.toolName}" returned an error result` }
            : undefined,
          time: event.time,
        })
        return
      }
      case 'context.compact':
      case 'context.budget':
      case 'budget.exceeded':
      case 'checkpoint.save':
      case 'approval.request':
      case 'agent.handoff':
      case 'custom':
      case 'checkpoint.load':
      case 'session.load':
      case 'session.append':
      case 'input.request':
        markRunEvent(spans, run.span, event)
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
        spans.end(run.span, {
          attributes,
          error: failureOf(this.#content, isFailure(event.status), 'run', event.status, event.error),
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
        observeStep(spans, this.#content, run, event)
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
      case 'workflow.start':
      case 'workflow.end':
      case 'node.start':
      case 'node.retry':
      case 'node.end':
      case 'node.event':
        // A workflow's events: createTracing gives them to the WorkflowTranslator.
        return
      case 'text.delta':
      case 'reasoning.delta':
      case 'tool.args.delta':
        return
      default:
        event satisfies never
    }
  }

  /** A model's `chat` span name and attributes, made once per model and shared by every run. */
  #chatOf(model: string): ChatModel {
    let found = this.#chatModels.get(model)
    if (found === undefined) {
      if (this.#chatModels.size >= 256) this.#chatModels.clear()
      found = chatOf(model)
      this.#chatModels.set(model, found)
    }
    return found
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
      parent =
        ('callId' in event.parent ? caller?.tools?.get(event.parent.callId) : undefined) ?? caller?.span
    }
    const name = kind === 'steps' ? `job ${event.agent}` : `${OPERATION.INVOKE_AGENT} ${event.agent}`
    const span = this.#spans.start(parent, name, 'internal', attributes, event.time)
    this.#runs.set(runId, {
      kind,
      provider,
      model,
      span,
      chat: undefined,
      chatModel: undefined,
      attempt: undefined,
      tools: undefined,
      children: undefined,
    })
  }
}
