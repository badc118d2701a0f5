/**
 * `agentloop runs list|show|resume|approve|cancel`: the stored runs.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { RunEvent, RunStatus } from '../../events/run-event.js'
import { RUN_STATUSES, type RunRecord } from '../../storage/run-repository.js'
import type { CommandContext } from '../command-context.js'
import { EXIT, type ExitCode, NotFoundError } from '../exit-codes.js'
import { printRun } from '../print-run.js'

/** Options of `agentloop runs list`. */
export interface ListRunsCommandOptions {
  status?: string[]
  agent?: string
  session?: string
  limit?: number
  cursor?: string
}

/** Lists stored runs, newest first, one page. */
export async function listRunsCommand(
  context: CommandContext,
  options: ListRunsCommandOptions,
): Promise<ExitCode> {
  for (const status of options.status ?? []) {
    if (!(RUN_STATUSES as readonly string[]).includes(status)) {
      throw new ConfigError({
        message: `--status: unknown status "${status}". Use one of ${RUN_STATUSES.join(', ')}.`,
      })
    }
  }
  const services = await context.services()
  const page = await services.storage.runs.page({
    limit: options.limit ?? 20,
    ...(options.status === undefined ? {} : { status: options.status as RunStatus[] }),
    ...(options.agent === undefined ? {} : { agentName: options.agent }),
    ...(options.session === undefined ? {} : { sessionId: options.session }),
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
  })
  context.output.result({ runs: page.runs.map(runView), nextCursor: page.nextCursor }, () => {
    if (page.runs.length === 0) return 'No runs.'
    const lines = page.runs.map(
      (run) =>
        `${run.runId}  ${run.status.padEnd(17)}  ${run.agentName.padEnd(16)}  ${new Date(run.createdAt).toISOString()}`,
    )
    if (page.nextCursor !== null) lines.push(`More: agentloop runs list --cursor ${page.nextCursor}`)
    return lines
  })
  return EXIT.ok
}

/** The JSON view of a run record. */
function runView(run: RunRecord) {
  return {
    runId: run.runId,
    kind: run.kind,
    agent: run.agentName,
    status: run.status,
    ...(run.sessionId === undefined ? {} : { sessionId: run.sessionId }),
    createdAt: new Date(run.createdAt).toISOString(),
    updatedAt: new Date(run.updatedAt).toISOString(),
  }
}

/** Options of `agentloop runs show`. */
export interface ShowRunCommandOptions {
  events?: boolean
}

/** Shows one run: its record, its outcome, the tool calls it waits on; `--events`: its event log. */
export async function showRunCommand(
  context: CommandContext,
  options: ShowRunCommandOptions,
  runId: string,
): Promise<ExitCode> {
  const services = await context.services()
  const record = await services.storage.runs.get(runId)
  if (record === null) {
    throw new NotFoundError({
      message: `No run "${runId}" in ${services.storageChoice.where}. List them with: agentloop runs list`,
    })
  }
  const events = await readAllEvents(services.storage.runs, runId)
  const outcome = outcomeOf(events)
  const view = { ...runView(record), ...outcome, ...(options.events === true ? { events } : {}) }
  context.output.result(view, () => {
    const lines = [
      `run      ${record.runId}`,
      `agent    ${record.agentName}`,
      `status   ${record.status}`,
      `created  ${view.createdAt}`,
      `updated  ${view.updatedAt}`,
    ]
    if (outcome.output !== undefined)
      lines.push(
        `output   ${typeof outcome.output === 'string' ? outcome.output : JSON.stringify(outcome.output)}`,
      )
    if (outcome.error !== undefined) lines.push(`error    ${outcome.error.name}: ${outcome.error.message}`)
    for (const call of outcome.pending)
      lines.push(
        `waits on ${call.callId}  ${call.toolName}(${JSON.stringify(call.arguments)})  [${call.kind}]`,
      )
    if (options.events === true) for (const event of events) lines.push(JSON.stringify(event))
    return lines
  })
  return EXIT.ok
}

async function readAllEvents(
  runs: { readEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunEvent[]> },
  runId: string,
): Promise<RunEvent[]> {
  const all: RunEvent[] = []
  for (;;) {
    const batch = await runs.readEvents(runId, { afterSeq: all.at(-1)?.seq ?? 0, limit: 1000 })
    all.push(...batch)
    if (batch.length < 1000) return all
  }
}

/** The last outcome in a run's log, and the approvals requested since it last started. */
function outcomeOf(events: RunEvent[]) {
  let output: unknown
  let error: { name: string; message: string } | undefined
  let pending: { callId: string; toolName: string; arguments: unknown; kind: string }[] = []
  for (const event of events) {
    if (event.type === 'run.start') pending = []
    else if (event.type === 'approval.request')
      pending.push({
        callId: event.callId,
        toolName: event.toolName,
        arguments: event.arguments,
        kind: event.kind,
      })
    else if (event.type === 'run.end') {
      output = event.output
      error = event.error
      if (event.status !== 'awaiting_approval' && event.status !== 'needs_review') pending = []
    }
  }
  return {
    ...(output === undefined ? {} : { output }),
    ...(error === undefined ? {} : { error }),
    pending,
    eventCount: events.length,
  }
}

/** Options of `agentloop runs resume`. */
export interface ResumeRunCommandOptions {
  events?: boolean
}

/** Continues a stored run from its last checkpoint. */
export async function resumeRunCommand(
  context: CommandContext,
  options: ResumeRunCommandOptions,
  runId: string,
): Promise<ExitCode> {
  const services = await context.services()
  const run = services.resumeRun(runId, { signal: context.process.signal })
  return printRun(context.output, run, { events: options.events === true, signal: context.process.signal })
}

/** Options of `agentloop runs approve`. */
export interface ApproveRunCommandOptions {
  reject?: boolean
  message?: string
  all?: boolean
  events?: boolean
}

/** Approves (or with `--reject`, rejects) tool calls a run waits on, then continues it. */
export async function approveRunCommand(
  context: CommandContext,
  options: ApproveRunCommandOptions,
  runId: string,
  callIds: string[],
): Promise<ExitCode> {
  const services = await context.services()
  let ids = callIds
  if (options.all === true) {
    if (ids.length > 0) throw new ConfigError({ message: 'Give call ids or --all, not both.' })
    const events = await readAllEvents(services.storage.runs, runId)
    ids = outcomeOf(events).pending.map((call) => call.callId)
    if (ids.length === 0) {
      const record = await services.storage.runs.get(runId)
      if (record === null)
        throw new NotFoundError({ message: `No run "${runId}" in ${services.storageChoice.where}.` })
      throw new ConfigError({ message: `Run "${runId}" (${record.status}) waits on no tool call.` })
    }
  } else if (ids.length === 0) {
    throw new ConfigError({
      message: `Name the tool calls to ${options.reject === true ? 'reject' : 'approve'} (see agentloop runs show ${runId}), or pass --all.`,
    })
  }
  const approvals = ids.map((callId) => ({
    callId,
    approve: options.reject !== true,
    ...(options.message === undefined ? {} : { message: options.message }),
  }))
  const run = services.resumeRun(runId, { approvals, signal: context.process.signal })
  return printRun(context.output, run, { events: options.events === true, signal: context.process.signal })
}

/** Cancels a run. */
export async function cancelRunCommand(
  context: CommandContext,
  _options: object,
  runId: string,
): Promise<ExitCode> {
  const services = await context.services()
  const result = await services.cancelRun(runId)
  context.output.result(result, () =>
    result.status === 'cancelled' && result.before !== 'cancelled'
      ? `run ${result.runId} cancelled (it was ${result.before})`
      : `run ${result.runId} was already ${result.status}: nothing to cancel`,
  )
  return EXIT.ok
}
