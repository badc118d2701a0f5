import type { JsonObject, JsonValue } from '../util/json.js'
import type { HandlerNodeSpec } from './workflow-definition.js'

/** What a node's work receives besides its input: the run, the signal, the context, an event sink. */
export interface NodeCallContext<TContext = unknown> {
  runId: string
  workflow: string
  nodeId: string
  /** 1 for the first attempt, 2 for the first retry... */
  attempt: number
  /** Aborts when the run is cancelled, ends, or the node's timeout passes; pass it to your I/O. */
  signal: AbortSignal
  /** The run context (never stored, never in events). */
  context: TContext
  /**
   * Forwards an event of work the node runs (an agent's events) into the workflow's stream, tagged
   * with the node's id. Await it to respect a slow stream consumer.
   */
  emit(event: { type: string; runId?: string }): Promise<void> | undefined
}

/** A handler node as its handler sees it: the definition's fields with `config` rendered. */
export type RenderedHandlerNode = Omit<HandlerNodeSpec, 'config'> & { id: string; config: JsonValue }

/** The state a handler may read. */
export interface NodeStateView {
  readonly variables: Readonly<JsonObject>
  readonly outputs: Readonly<Record<string, JsonValue>>
}

/**
 * A custom node kind, registered by name when a workflow is bound and used by nodes
 * `{ type: 'handler', handler: name, config }`. `execute` returns the node's output (JSON, or
 * nothing for null).
 *
 * @example
 * const upper: NodeHandler = {
 *   name: 'upper',
 *   idempotent: true,
 *   execute: (node) => String((node.config as { text: string }).text).toUpperCase(),
 * }
 */
export interface NodeHandler<TContext = unknown> {
  /** The name nodes use (`handler: 'http_request'`). */
  name: string
  description?: string
  /** Whether running it twice is harmless (a node's own `idempotent` wins). Default false. */
  idempotent?: boolean | ((node: RenderedHandlerNode | HandlerNodeSpec) => boolean)
  execute(
    node: RenderedHandlerNode,
    state: NodeStateView,
    context: NodeCallContext<TContext>,
  ): JsonValue | undefined | Promise<JsonValue | undefined>
}
