import type { JsonObject } from '../util/json.js'

/** Something that happened, for the record (a run started, a tool was approved...). */
export interface AuditEntry {
  id: string
  eventType: string
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
    eventType: string
    action: string
    actor?: string
    runId?: string
    details?: JsonObject
    time?: number
  }): Promise<AuditEntry>
  list(options?: TimeRange & { eventType?: string; runId?: string }): Promise<AuditEntry[]>
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
