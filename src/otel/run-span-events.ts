import type { RunEvent } from '../events/run-event.js'
import { AGENTLOOP, GEN_AI, SPAN_EVENT } from './attributes.js'
import type { OpenSpan, SpanWriter } from './span-writer.js'

/** The run events that are marks on the run's span rather than spans of their own. */
export type RunMarkEvent = Extract<
  RunEvent,
  {
    type:
      | 'context.compact'
      | 'context.budget'
      | 'budget.exceeded'
      | 'checkpoint.save'
      | 'approval.request'
      | 'agent.handoff'
      | 'custom'
      | 'checkpoint.load'
      | 'session.load'
      | 'session.append'
      | 'input.request'
  }
>

/**
 * Compactions, context budgets, checkpoints, approval requests, handoffs, resumes, session loads
 * and saves, a runnable's own events and its requests for input, as span events of the run's span.
 */
export function markRunEvent(spans: SpanWriter, span: OpenSpan, event: RunMarkEvent): void {
  switch (event.type) {
    case 'context.compact':
      spans.event(
        span,
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
        span,
        SPAN_EVENT.CONTEXT_BUDGET,
        { [AGENTLOOP.BUDGET_SOURCE]: event.source, [AGENTLOOP.COMPACT_BUDGET_TOKENS]: event.budgetTokens },
        event.time,
      )
      return
    case 'budget.exceeded':
      spans.event(
        span,
        SPAN_EVENT.CONTEXT_BUDGET,
        { [AGENTLOOP.EVENT_NAME]: event.type, [AGENTLOOP.BUDGET_SOURCE]: event.budget.scope },
        event.time,
      )
      return
    case 'checkpoint.save':
      spans.event(
        span,
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
        span,
        SPAN_EVENT.APPROVAL_REQUEST,
        {
          [GEN_AI.TOOL_NAME]: event.toolName,
          [GEN_AI.TOOL_CALL_ID]: event.callId,
          [AGENTLOOP.APPROVAL_KIND]: event.kind,
        },
        event.time,
      )
      return
    case 'agent.handoff':
      spans.event(
        span,
        SPAN_EVENT.HANDOFF,
        {
          [AGENTLOOP.HANDOFF_FROM]: event.from,
          [AGENTLOOP.HANDOFF_TO]: event.to,
          [GEN_AI.TOOL_CALL_ID]: event.callId,
        },
        event.time,
      )
      return
    case 'custom':
      // Only the name: the data is the runnable's own and may be content.
      spans.event(span, SPAN_EVENT.CUSTOM, { [AGENTLOOP.EVENT_NAME]: event.name }, event.time)
      return
    case 'checkpoint.load':
      spans.event(span, SPAN_EVENT.RESUME, { [AGENTLOOP.EVENT_NAME]: event.type }, event.time)
      return
    case 'session.load':
      spans.event(span, SPAN_EVENT.SESSION_LOAD, {}, event.time)
      return
    case 'session.append':
      spans.event(span, SPAN_EVENT.SESSION_APPEND, {}, event.time)
      return
    case 'input.request':
      spans.event(span, SPAN_EVENT.INPUT_REQUEST, {}, event.time)
      return
    default:
      event satisfies never
  }
}
