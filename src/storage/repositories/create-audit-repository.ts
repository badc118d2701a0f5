import { ConfigError } from '../../errors/errors.js'
import type { JsonObject } from '../../util/json.js'
import type { AuditEntry, AuditRepository, ErrorRecord, Metric, TimeRange } from '../audit-repository.js'
import { decodeRecord } from '../record-codec.js'
import { RecordNotFoundError } from '../storage-errors.js'
import type { ListPosition, StoreDriver, StoredRecord } from '../store-driver.js'
import { commitOrThrow, compact, limitOf, newId, requireJson, retryOnConflict } from './shared.js'

const severities = new Set<string>(['debug', 'info', 'warning', 'error', 'critical'])

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError({ message: `${field} must be a non-empty string; got ${JSON.stringify(value)}.` })
  }
  return value
}

function timeOf(value: number | undefined, field: string): number {
  if (value === undefined) return Date.now()
  if (!Number.isFinite(value))
    throw new ConfigError({ message: `${field} must be ms since the epoch; got ${value}.` })
  return value
}

/** The audit repository over a store driver. Records are grouped by type / severity / name and ordered by time. */
export function createAuditRepository(driver: StoreDriver): AuditRepository {
  async function insert<T extends { id: string; time: number }>(
    collection: string,
    group: string,
    value: T,
  ): Promise<T> {
    await commitOrThrow(driver, [
      {
        type: 'put',
        collection,
        key: value.id,
        group,
        order: value.time,
        data: { version: 1, ...(value as unknown as JsonObject) },
        expectedRevision: null,
      },
    ])
    return value
  }

  /** Newest first within the range, filtered, up to the limit. */
  async function query<T>(
    collection: string,
    group: string | undefined,
    range: TimeRange,
    keep: (value: T) => boolean,
    method: string,
  ): Promise<T[]> {
    const limit = limitOf(range.limit, 100, `audit.${method}: limit`)
    // read by pages, newest first, until the limit is met or the range is passed: never the
    // whole collection when the newest records answer
    const chunk = Math.max(limit, 100)
    const result: T[] = []
    let after: ListPosition | undefined
    for (;;) {
      const records = await driver.list(collection, {
        ...(group === undefined ? {} : { group }),
        descending: true,
        limit: chunk,
        ...(after === undefined ? {} : { after }),
      })
      for (const record of records) {
        if (range.until !== undefined && record.order > range.until) continue
        if (range.since !== undefined && record.order < range.since) return result
        const { version: _version, ...value } = await decodeRecord<T & { version: number }>(record)
        if (!keep(value as T)) continue
        result.push(value as T)
        if (result.length >= limit) return result
      }
      const last = records[records.length - 1]
      if (last === undefined || records.length < chunk) return result
      after = { order: last.order, key: last.key }
    }
  }

  return {
    async log(input) {
      if (input.details !== undefined) requireJson(input.details, 'audit.log: details')
      const entry: AuditEntry = compact({
        id: newId(),
        eventType: requireText(input?.eventType, 'audit.log: eventType'),
        action: requireText(input.action, 'audit.log: action'),
        actor: input.actor,
        runId: input.runId,
        details: input.details ?? {},
        time: timeOf(input.time, 'audit.log: time'),
      })
      return insert('audit-entry', entry.eventType, entry)
    },
    list: (options = {}) =>
      query<AuditEntry>(
        'audit-entry',
        options.eventType,
        options,
        (entry) => options.runId === undefined || entry.runId === options.runId,
        'list',
      ),

    async recordError(input) {
      if (!severities.has(input?.severity)) {
        throw new ConfigError({
          message: `audit.recordError: severity must be debug, info, warning, error or critical; got ${JSON.stringify(input?.severity)}.`,
        })
      }
      if (input.details !== undefined) requireJson(input.details, 'audit.recordError: details')
      const record: ErrorRecord = compact({
        id: newId(),
        severity: input.severity,
        message: requireText(input.message, 'audit.recordError: message'),
        errorName: input.errorName,
        source: input.source,
        runId: input.runId,
        details: input.details ?? {},
        time: timeOf(input.time, 'audit.recordError: time'),
        resolved: false,
      })
      return insert('audit-error', record.severity, record)
    },
    async getError(id) {
      const record = await driver.get('audit-error', requireText(id, 'audit.getError: id'))
      if (record === null) return null
      const { version: _version, ...error } = await decodeRecord<ErrorRecord & { version: number }>(record)
      return error
    },
    async resolveError(id, resolution) {
      requireText(id, 'audit.resolveError: id')
      requireText(resolution, 'audit.resolveError: resolution')
      return retryOnConflict(async () => {
        const record: StoredRecord | null = await driver.get('audit-error', id)
        if (record === null) throw new RecordNotFoundError({ collection: 'audit-error', key: id })
        const { version: _version, ...error } = await decodeRecord<ErrorRecord & { version: number }>(record)
        const resolved: ErrorRecord = { ...error, resolved: true, resolution, resolvedAt: Date.now() }
        await commitOrThrow(driver, [
          {
            type: 'put',
            collection: 'audit-error',
            key: id,
            group: record.group,
            order: record.order,
            data: { version: 1, ...(resolved as unknown as JsonObject) },
            expectedRevision: record.revision,
          },
        ])
        return resolved
      })
    },
    listErrors: (options = {}) =>
      query<ErrorRecord>(
        'audit-error',
        options.severity,
        options,
        (error) =>
          (options.resolved === undefined || error.resolved === options.resolved) &&
          (options.runId === undefined || error.runId === options.runId),
        'listErrors',
      ),

    async recordMetric(input) {
      if (typeof input?.value !== 'number' || !Number.isFinite(input.value)) {
        throw new ConfigError({
          message: `audit.recordMetric: value must be a finite number; got ${String(input?.value)}.`,
        })
      }
      if (input.tags !== undefined) {
        for (const [key, value] of Object.entries(input.tags)) {
          if (typeof value !== 'string')
            throw new ConfigError({ message: `audit.recordMetric: tags.${key} must be a string.` })
        }
      }
      const metric: Metric = compact({
        id: newId(),
        name: requireText(input.name, 'audit.recordMetric: name'),
        value: input.value,
        unit: input.unit,
        tags: input.tags ?? {},
        time: timeOf(input.time, 'audit.recordMetric: time'),
      })
      return insert('audit-metric', metric.name, metric)
    },
    listMetrics: (options = {}) =>
      query<Metric>('audit-metric', options.name, options, () => true, 'listMetrics'),
  }
}
