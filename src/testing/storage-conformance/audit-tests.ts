import assert from 'node:assert/strict'
import { AUDIT_EVENT_TYPES, ERROR_SEVERITIES } from '../../storage/audit-repository.js'
import { rejectsWith, type SuiteContext } from './suite-context.js'

export function auditTests({ describe, it }: SuiteContext): void {
  describe('audit', () => {
    it('logs entries and lists them newest first, by type, run and time range', async (storage) => {
      await storage.audit.log({ eventType: 'run', action: 'start', runId: 'r1', time: 1_000 })
      await storage.audit.log({
        eventType: 'approval',
        action: 'approve',
        actor: 'ana',
        runId: 'r1',
        details: { callId: 'c1' },
        time: 2_000,
      })
      await storage.audit.log({ eventType: 'run', action: 'end', runId: 'r2', time: 3_000 })
      assert.deepEqual(
        (await storage.audit.list()).map((entry) => entry.action),
        ['end', 'approve', 'start'],
      )
      assert.deepEqual(
        (await storage.audit.list({ eventType: 'run' })).map((entry) => entry.action),
        ['end', 'start'],
      )
      const [approval] = await storage.audit.list({ runId: 'r1', since: 1_500 })
      assert.equal(approval?.actor, 'ana')
      assert.deepEqual(approval?.details, { callId: 'c1' })
      assert.deepEqual(
        (await storage.audit.list({ until: 2_500, limit: 1 })).map((entry) => entry.action),
        ['approve'],
      )
    })

    it('records errors with a severity and resolves them', async (storage) => {
      const error = await storage.audit.recordError({
        severity: 'error',
        message: 'tool crashed',
        errorName: 'ToolError',
        runId: 'r1',
      })
      await storage.audit.recordError({ severity: 'warning', message: 'slow model' })
      assert.equal(error.resolved, false)
      const resolved = await storage.audit.resolveError(error.id, 'restarted the worker')
      assert.equal(resolved.resolved, true)
      assert.equal((await storage.audit.getError(error.id))?.resolution, 'restarted the worker')
      assert.deepEqual(
        (await storage.audit.listErrors({ resolved: false })).map((item) => item.message),
        ['slow model'],
      )
      assert.deepEqual(
        (await storage.audit.listErrors({ severity: 'error' })).map((item) => item.message),
        ['tool crashed'],
      )
      assert.equal(await storage.audit.getError('missing'), null)
      await rejectsWith(storage.audit.resolveError('missing', 'x'), 'RecordNotFoundError')
      await rejectsWith(
        storage.audit.recordError({ severity: 'fatal' as never, message: 'x' }),
        'ConfigError',
        /severity/,
      )
    })

    it('records metrics and lists them by name', async (storage) => {
      await storage.audit.recordMetric({
        name: 'latency',
        value: 12.5,
        unit: 'ms',
        tags: { model: 'm1' },
        time: 1_000,
      })
      await storage.audit.recordMetric({ name: 'latency', value: 20, unit: 'ms', time: 2_000 })
      await storage.audit.recordMetric({ name: 'tokens', value: 300, time: 1_500 })
      const latencies = await storage.audit.listMetrics({ name: 'latency' })
      assert.deepEqual(
        latencies.map((metric) => metric.value),
        [20, 12.5],
      )
      assert.deepEqual(latencies[1]?.tags, { model: 'm1' })
      assert.equal((await storage.audit.listMetrics()).length, 3)
      await rejectsWith(
        storage.audit.recordMetric({ name: 'x', value: Number.POSITIVE_INFINITY }),
        'ConfigError',
        /value/,
      )
    })

    it('offers the predefined audit event types and severities as constants and accepts custom ones', async (storage) => {
      await storage.audit.log({ eventType: AUDIT_EVENT_TYPES.toolCall, action: 'search', time: 1 })
      await storage.audit.log({ eventType: AUDIT_EVENT_TYPES.conversationStart, action: 'hello', time: 2 })
      await storage.audit.log({ eventType: 'billing_export', action: 'export', time: 3 })
      assert.equal(AUDIT_EVENT_TYPES.agentError, 'agent_error')
      assert.deepEqual(
        (await storage.audit.list({ eventType: AUDIT_EVENT_TYPES.toolCall })).map((entry) => entry.action),
        ['search'],
      )
      assert.equal((await storage.audit.list({ eventType: 'billing_export' }))[0]?.action, 'export')
      const error = await storage.audit.recordError({
        severity: ERROR_SEVERITIES.critical,
        message: 'disk full',
      })
      assert.equal(error.severity, 'critical')
    })
  })
}
