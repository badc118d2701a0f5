/**
 * A tool source: a set of tools that may change while an agent is in use, such as the tools of an
 * MCP server (`agentloop/mcp`). Give it to an agent among its tools; the agent asks it for its
 * current tools before every model call, so a change is seen on the next turn.
 *
 * @module
 */
import type { Tool } from './tool.js'

/** Tools that may change over time. The agent calls `tools()` before each model call. */
export interface ToolSource<TContext = unknown> {
  readonly kind: 'tool-source'
  /** Names the source in error messages (e.g. the MCP server's name). */
  readonly name: string
  /**
   * The tools now. Called before every model call and to find a called tool, so it must answer
   * from memory (no I/O); return the same array while nothing changed, so the agent can reuse
   * what it derived from it.
   */
  tools(): readonly Tool<unknown, TContext>[]
}

/** Whether a value is a {@link ToolSource}. */
export function isToolSource(value: unknown): value is ToolSource<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'tool-source' &&
    typeof (value as { tools?: unknown }).tools === 'function'
  )
}
