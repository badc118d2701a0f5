import type { JsonObject } from '../util/json.js'

/**
 * The predefined kinds of audit entry (seed 002's `AuditEventType`). Any other string works too.
 *
 * @example
 * await storage.audit.log({ eventType: AUDIT_EVENT_TYPES.toolCall, action: 'Called search', details: { query } })
 */
export const AUDIT_EVENT_TYPES = {
  conversationStart: 'conversation_start',
  conversationEnd: 'conversation_end',
  messageSent: 'message_sent',
  messageReceived: 'message_received',
  toolCall: 'tool_call',
  toolResult: 'tool_result',
  toolError: 'tool_error',
  agentStart: 'agent_start',
  agentEnd: 'agent_end',
  agentError: 'agent_error',
  approvalRequested: 'approval_requested',
  approvalDecided: 'approval_decided',
  stateChange: 'state_change',
  checkpointSaved: 'checkpoint_saved',
  checkpointRestored: 'checkpoint_restored',
  custom: 'custom',
} as const

/** A predefined audit event kind, or any custom one. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[keyof typeof AUDIT_EVENT_TYPES] | (string & {})

/** The error severities, as constants (`ERROR_SEVERITIES.warning`). */
export const ERROR_SEVERITIES = {
  debug: 'debug',
  info: 'info',
  warning: 'warning',
  error: 'error',
  critical: 'critical',
} as const

/** Something that happened, for the record (a run started, a tool was approved...). */
export interface AuditEntry {
  id: string
  eventType: AuditEventType
  action: string
  actor?: string | undefined
  runId?: string | undefined
  details: JsonObject
  time: number
}

/** How bad an error is. */
export type ErrorSeverity = 'debug' | 'info' | 'warning' | 'error' | 'critical'

/** An error that happened, and how it was resolved. */
export interface ErrorRecord {
  id: string
  severity: ErrorSeverity
  message: string
  errorName?: string | undefined
  source?: string | undefined
  runId?: string | undefined
  details: JsonObject
  time: number
  resolved: boolean
  resolution?: string | undefined
  resolvedAt?: number | undefined
}

/** One measurement. */
export interface Metric {
  id: string
  name: string
  value: number
  unit?: string | undefined
  tags: Record<string, string>
  time: number
}

/** A time range and a limit for audit listings (newest first, default 100). */
export interface TimeRange {
  since?: number
  until?: number
  limit?: number
}

/** Audit entries, error records and metrics. Never put secrets in `details`. */
export interface AuditRepository {
  log(input: {
    eventType: AuditEventType
    action: string
    actor?: string
    runId?: string
    details?: JsonObject
    time?: number
  }): Promise<AuditEntry>
  list(options?: TimeRange & { eventType?: AuditEventType; runId?: string }): Promise<AuditEntry[]>
  recordError(input: {
    severity: ErrorSeverity
    message: string
    errorName?: string
    source?: string
    runId?: string
    details?: JsonObject
    time?: number
  }): Promise<ErrorRecord>
  getError(id: string): Promise<ErrorRecord | null>
  /** Marks an error resolved, with how. */
  resolveError(id: string, resolution: string): Promise<ErrorRecord>
  listErrors(
    options?: TimeRange & { severity?: ErrorSeverity; resolved?: boolean; runId?: string },
  ): Promise<ErrorRecord[]>
  recordMetric(input: {
    name: string
    value: number
    unit?: string
    tags?: Record<string, string>
    time?: number
  }): Promise<Metric>
  listMetrics(options?: TimeRange & { name?: string }): Promise<Metric[]>
}
