/**
 * How `agentloop run` and `agentloop runs resume|approve` show a run: the answer's text on stdout as
 * it streams; tools, reasoning and the summary on stderr; with `--events`, every event as one line
 * of JSON on stdout; with `--json`, one JSON result at the end. Returns the exit code of the run.
 *
 * @module
 */
import type { RunEvent } from '../events/run-event.js'
import type { RunResult } from '../run/run-result.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import type { Output } from './output.js'

/** How the run is shown. */
export interface PrintRunOptions {
  /** Every event as a JSON line on stdout. */
  events?: boolean
  /** The command's signal: a run stopped by Ctrl-C exits 130, not 6. */
  signal?: AbortSignal
}

/** The JSON view of a finished run (`--json`). */
export interface RunSummary {
  runId: string
  status: string
  output?: unknown
  error?: { name: string; message: string }
  interruptions?: { callId: string; toolName: string; arguments: unknown }[]
  usage?: unknown
}

/** Shows a run's events and result; resolves the exit code. */
export async function printRun(
  output: Output,
  run: { events: AsyncIterable<RunEvent>; result: Promise<RunResult<unknown>> },
  options: PrintRunOptions = {},
): Promise<ExitCode> {
  const spinner = output.spinner('waiting for the model')
  let runId: string | undefined
  let end: Extract<RunEvent, { type: 'run.end' }> | undefined
  let text = false
  try {
    for await (const event of run.events) {
      runId ??= event.runId
      if (options.events === true) {
        spinner.stop()
        output.write(`${JSON.stringify(event)}\n`)
        if (event.type === 'run.end') end = event
        continue
      }
      switch (event.type) {
        case 'run.start':
          output.info(output.dim(`▶ run ${event.runId} · agent ${event.agent}`))
          break
        case 'text.delta':
          spinner.stop()
          if (!output.json) output.write(event.delta)
          text = true
          break
        case 'tool.start':
          spinner.stop()
          output.info(output.dim(`\n⚙ ${event.toolName}(${JSON.stringify(event.arguments)})`))
          break
        case 'tool.end':
          output.info(output.dim(`${event.isError ? '✗' : '✓'} ${event.toolName}`))
          break
        case 'approval.request':
          spinner.stop()
          output.info(`⏸ ${event.toolName} (call ${event.callId}) waits for approval`)
          break
        case 'run.end':
          end = event
          break
        default:
          break
      }
    }
  } finally {
    spinner.stop()
  }
  const result = await run.result.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  )
  if (text && !output.json && options.events !== true) output.write('\n')
  const summary: RunSummary = {
    runId: result.value?.runId ?? runId ?? '',
    status: result.value?.status ?? end?.status ?? 'failed',
  }
  if (result.value?.status === 'completed') summary.output = result.value.output
  const error =
    end?.error ??
    (result.error instanceof Error ? { name: result.error.name, message: result.error.message } : undefined)
  if (summary.status !== 'completed' && error !== undefined) summary.error = error
  if (result.value !== undefined && result.value.interruptions.length > 0) {
    summary.interruptions = result.value.interruptions.map(({ callId, toolName, arguments: args }) => ({
      callId,
      toolName,
      arguments: args,
    }))
  }
  if (end !== undefined) summary.usage = end.usage
  if (output.json) output.result(summary, () => '')
  // The summary and hints are for people: stderr, also next to --json.
  if (options.events !== true) describeEnd(output, summary)
  if (options.signal?.aborted === true) return EXIT.interrupted
  return exitCodeOfStatus(summary.status)
}

function describeEnd(output: Output, summary: RunSummary): void {
  switch (summary.status) {
    case 'completed':
      output.info(output.dim(`■ completed · run ${summary.runId}`))
      break
    case 'awaiting_approval':
    case 'needs_review':
      output.info(`⏸ run ${summary.runId} is ${summary.status}:`)
      for (const call of summary.interruptions ?? []) {
        output.info(`  ${call.callId}  ${call.toolName}(${JSON.stringify(call.arguments)})`)
      }
      output.info(`Decide with: agentloop runs approve ${summary.runId} <callId...>   (or --reject)`)
      break
    default:
      output.error(
        `✗ run ${summary.runId} ${summary.status}${summary.error === undefined ? '' : `: ${summary.error.name}: ${summary.error.message}`}`,
      )
  }
}

/** The exit code of a run's status. */
export function exitCodeOfStatus(status: string): ExitCode {
  switch (status) {
    case 'completed':
      return EXIT.ok
    case 'awaiting_approval':
    case 'needs_review':
      return EXIT.paused
    case 'cancelled':
      return EXIT.cancelled
    default:
      return EXIT.failure
  }
}
