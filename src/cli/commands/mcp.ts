/**
 * `agentloop mcp`: serves the config module's agents (and its bound workflows) as MCP tools over
 * stdio, for MCP clients that start a command (Claude Desktop, IDEs, the official client's
 * `StdioClientTransport`). stdout carries the protocol and nothing else: every line for people
 * goes to stderr. Stops when stdin ends or on SIGINT / SIGTERM.
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream'
import type { McpServableWorkflow } from '../../mcp/serve-workflow.js'
import type { CommandContext } from '../command-context.js'
import type { CliConfig } from '../config.js'
import { EXIT, type ExitCode } from '../exit-codes.js'

/** Options of `agentloop mcp`. */
export interface McpCommandOptions {
  /** The server's name in the MCP handshake (default `agentloop`). */
  name?: string
}

/** The bound workflows among the config's runnables (`bindWorkflow(...)` results). */
function workflowsOf(config: CliConfig): McpServableWorkflow[] {
  return (config.runnables ?? []).filter((entry): entry is never => {
    const candidate = entry as Partial<McpServableWorkflow> & { toRunnable?: unknown }
    return (
      typeof candidate.toRunnable === 'function' &&
      typeof candidate.run === 'function' &&
      typeof candidate.definition === 'object' &&
      candidate.definition !== null
    )
  })
}

/** Serves over stdio until stdin ends or the process is asked to stop. */
export async function mcpCommand(context: CommandContext, options: McpCommandOptions): Promise<ExitCode> {
  const services = await context.services({ worker: undefined })
  const { serveMcpStdio } = await import('../../mcp/serve-mcp.js')
  const stdin = process.stdin as Readable
  const workflows = workflowsOf(services.config)
  const served = await serveMcpStdio(services.runtime, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(workflows.length === 0 ? {} : { workflows }),
    stdin,
    stdout: context.process.streams.stdout as unknown as Writable,
    onError: (error) => context.output.error(`mcp: ${error.message}`),
  })
  const names = [
    ...services.runtime.agents.map((agent) => agent.name),
    ...workflows.map((entry) => entry.name),
  ]
  context.output.info(
    `agentloop mcp serving ${names.join(', ')} over stdio (storage: ${services.storageChoice.kind} ${services.storageChoice.where})`,
  )
  await new Promise<void>((resolve) => {
    const { signal } = context.process
    if (signal.aborted || stdin.readableEnded) return resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
    stdin.once('end', () => resolve())
    stdin.once('close', () => resolve())
  })
  context.output.info('agentloop mcp: stopping')
  await served.close()
  return EXIT.ok
}
