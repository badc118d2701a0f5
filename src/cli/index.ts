/**
 * agentloop/cli: the types of the `agentloop` command's config module, and the command line as a
 * function for programs and tests. Importing it loads no optional package; `runCli` loads
 * `commander` when called.
 *
 * @example
 * // agentloop.config.ts
 * import { Agent } from 'agentloop'
 * import { defineConfig } from 'agentloop/cli'
 *
 * export default defineConfig({
 *   agents: [new Agent({ name: 'assistant', instructions: 'Be brief.', model: 'openai:gpt-4o-mini' })],
 * })
 *
 * @module
 */
import { importOptionalPeer } from '../errors/optional-peer.js'
import type { CliProcess } from './command-context.js'
import type { ExitCode } from './exit-codes.js'

export type { CliProcess, GlobalOptions } from './command-context.js'
export { type CliConfig, type CliConfigExport, defineConfig } from './config.js'
export { EXIT, type ExitCode } from './exit-codes.js'
export type { CliStreams } from './output.js'

/** Runs the command line `argv` (without `node` and the script) in `process`; resolves the exit code. */
export async function runCli(argv: readonly string[], process: CliProcess): Promise<ExitCode> {
  const { runCli: run } = await importOptionalPeer(() => import('./program.js'), {
    packageName: 'commander',
    subpath: 'agentloop/cli',
  })
  return run(argv, process)
}
