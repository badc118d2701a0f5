/**
 * `agentloop usage`: token usage and cost recorded in the storage (by `serve`, `worker` and `run`),
 * in a time window, grouped by model, key, session, run, owner or UTC day.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import { periodOf } from '../../server/usage-ledger.js'
import { USAGE_GROUPS, type UsageGroup, usageReport } from '../../server/usage-report.js'
import type { CommandContext } from '../command-context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'

/** Options of `agentloop usage`. */
export interface UsageCommandOptions {
  from?: string
  to?: string
  by?: string
  owner?: string
  key?: string
  session?: string
  run?: string
}

/** Parses `--from` / `--to`: an ISO 8601 time or date, or ms since the epoch. */
function timeOf(value: string, flag: string): number {
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(time)) {
    throw new ConfigError({
      message: `${flag}: "${value}" is not a time; write an ISO 8601 date or time (2026-12-01, 2026-12-01T08:00:00Z) or ms since the epoch.`,
    })
  }
  return time
}

/** Prints a usage report. */
export async function usageCommand(context: CommandContext, options: UsageCommandOptions): Promise<ExitCode> {
  const groupBy = (options.by ?? 'model') as UsageGroup
  if (!USAGE_GROUPS.includes(groupBy)) {
    throw new ConfigError({
      message: `--by: unknown grouping "${options.by}". Use one of ${USAGE_GROUPS.join(', ')}.`,
    })
  }
  const now = Date.now()
  const to = options.to === undefined ? now : timeOf(options.to, '--to')
  const monthStart = new Date(periodOf('month', now).endsAt)
  monthStart.setUTCMonth(monthStart.getUTCMonth() - 1)
  const from = options.from === undefined ? monthStart.getTime() : timeOf(options.from, '--from')
  if (from > to) {
    throw new ConfigError({
      message: `--from (${new Date(from).toISOString()}) is after --to (${new Date(to).toISOString()}).`,
    })
  }
  const services = await context.services()
  const report = await usageReport(services.spend.ledger, {
    from,
    to,
    groupBy,
    owner: options.owner,
    keyId: options.key,
    sessionId: options.session,
    runId: options.run,
  })
  context.output.result(report, () => {
    const money = (cost: number, unpriced: number) =>
      `${Number(cost.toFixed(6))}${unpriced > 0 ? ` (+${unpriced} unpriced)` : ''}`
    const lines = [
      `Usage ${new Date(from).toISOString()} .. ${new Date(to).toISOString()}${options.owner === undefined ? ' (every owner)' : ` (owner ${options.owner})`}, by ${groupBy}:`,
    ]
    if (report.groups.length === 0) lines.push('  no model calls')
    const width = Math.max(8, ...report.groups.map((group) => group.key.length))
    lines.push(
      `  ${groupBy.padEnd(width)}  ${'calls'.padStart(7)}  ${'input'.padStart(10)}  ${'output'.padStart(10)}  ${'total'.padStart(10)}  cost`,
    )
    for (const group of [...report.groups, { key: 'total', ...report.totals }]) {
      lines.push(
        `  ${group.key.padEnd(width)}  ${String(group.calls).padStart(7)}  ${String(group.inputTokens).padStart(10)}  ${String(group.outputTokens).padStart(10)}  ${String(group.totalTokens).padStart(10)}  ${money(group.cost, group.unpricedCalls)}`,
      )
    }
    if (report.truncated) lines.push('  (over 100,000 calls: the report stopped there; narrow --from/--to)')
    return lines
  })
  return EXIT.ok
}
