/**
 * `agentloop run <agent> "<input>"`: runs a registered agent and streams its answer to stdout.
 *
 * @module
 */
import type { CommandContext } from '../command-context.js'
import type { ExitCode } from '../exit-codes.js'
import { printRun } from '../print-run.js'

/** Options of `agentloop run`. */
export interface RunCommandOptions {
  session?: string
  events?: boolean
}

/** Runs `agentName` on `input` (`-` reads the input from stdin). */
export async function runCommand(
  context: CommandContext,
  options: RunCommandOptions,
  agentName: string,
  input: string,
): Promise<ExitCode> {
  const services = await context.services()
  const text = input === '-' ? await context.process.readStdin() : input
  const stream = services.startRun(agentName, text, {
    signal: context.process.signal,
    ...(options.session === undefined ? {} : { sessionId: options.session }),
  })
  return printRun(
    context.output,
    { events: stream, result: stream.result },
    { events: options.events === true, signal: context.process.signal },
  )
}
