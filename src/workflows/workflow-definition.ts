/**
 * The types of a workflow definition: plain JSON (nodes, edges, a format version), so it can be
 * stored, sent over HTTP, versioned and diffed. `workflow(name)...build()` writes one;
 * `parseWorkflowDefinition(json)` validates one read from elsewhere.
 *
 * @module
 */
import type { JsonSchema } from '../model/model-request.js'
import type { JsonValue } from '../util/json.js'

/** The format version of the definitions this version of agentloop writes and reads. */
export const WORKFLOW_FORMAT_VERSION = 1

/** The kinds of node. */
export const NODE_TYPES = [
  'start',
  'end',
  'agent',
  'tool',
  'function',
  'condition',
  'parallel',
  'join',
  'human',
  'workflow',
  'handler',
] as const

export type NodeType = (typeof NODE_TYPES)[number]

/**
 * A JSON value whose strings may contain `${expression}` parts, rendered when the node runs
 * (`'${ticket.text}'`, `'Order ${orderId}: ${triage.output.category}'`).
 */
export type Template = JsonValue

/** Options every node may have. */
export interface NodeOptions {
  /** A short text shown in diagrams (default: the id). */
  label?: string
  description?: string
  /** Further attempts after a failed one. Default 0. */
  retries?: number
  /** Milliseconds before each retry. Default 1000. */
  retryDelayMs?: number
  /** `'exponential'` doubles the delay on each retry (up to 30 s). Default `'fixed'`. */
  backoff?: 'fixed' | 'exponential'
  /** Milliseconds an attempt may take; the node's signal aborts and the attempt fails. */
  timeoutMs?: number
  /**
   * Whether running the node twice is harmless. After a crash, a node that had started but not
   * finished runs again only if it is idempotent; otherwise the run stops as `needs_review`.
   * Default: true for start, end, condition, parallel, join and human; false for the others
   * (a handler may declare its own default).
   */
  idempotent?: boolean
  /** How often the node may run in one workflow run (loops). Default: the workflow's `maxIterations`. */
  maxIterations?: number
}

export interface StartNodeSpec extends NodeOptions {
  type: 'start'
}
export interface EndNodeSpec extends NodeOptions {
  type: 'end'
  /** The workflow's output (a template). Default: the variables. */
  output?: Template
}
export interface AgentNodeSpec extends NodeOptions {
  type: 'agent'
  /** The agent's name, as the workflow's services know it. */
  agent: string
  /** The agent's input (a template), usually a string. */
  input: Template
}
export interface ToolNodeSpec extends NodeOptions {
  type: 'tool'
  tool: string
  /** The tool's arguments (a template). Default `{}`. */
  arguments?: Template
}
export interface FunctionNodeSpec extends NodeOptions {
  type: 'function'
  /** The LLM function's name. */
  function: string
  input: Template
}
export interface ConditionNodeSpec extends NodeOptions {
  type: 'condition'
  /**
   * The value to branch on. The node's outgoing edges are its branches: the first edge whose
   * `when` value equals the result is taken (`when: 'true'`, `when: '"billing"'`); an edge
   * without `when` is the default branch.
   */
  expression: string
}
export interface ParallelNodeSpec extends NodeOptions {
  type: 'parallel'
}
export interface JoinNodeSpec extends NodeOptions {
  type: 'join'
  /** Continue once all incoming branches arrived (default), the first one, or this many. */
  wait?: 'all' | 'any' | number
}
export interface HumanNodeSpec extends NodeOptions {
  type: 'human'
  /** What to ask (a template); sent with the `awaiting_input` pause. */
  prompt?: Template
}
export interface WorkflowNodeSpecOfWorkflow extends NodeOptions {
  type: 'workflow'
  /** The sub-workflow's name, among the workflows bound with this one. */
  workflow: string
  /** Its input (a template; an object). Default `{}`. */
  input?: Template
}
export interface HandlerNodeSpec extends NodeOptions {
  type: 'handler'
  /** The name of a handler registered when the workflow is bound. */
  handler: string
  /** The handler's configuration (a template). */
  config?: Template
}

/** What `.node(id, spec)` takes: a node without its id. */
export type NodeSpec =
  | StartNodeSpec
  | EndNodeSpec
  | AgentNodeSpec
  | ToolNodeSpec
  | FunctionNodeSpec
  | ConditionNodeSpec
  | ParallelNodeSpec
  | JoinNodeSpec
  | HumanNodeSpec
  | WorkflowNodeSpecOfWorkflow
  | HandlerNodeSpec

/** A node of a definition. Ids are names (`triage`, `review_2`) usable in expressions. */
export type WorkflowNode = NodeSpec & { id: string }

/** An edge: `when` is a condition (see the node's kind for how it is read). */
export interface WorkflowEdge {
  from: string
  to: string
  when?: string
}

/** A workflow definition, format version 1. */
export interface WorkflowDefinition {
  version: typeof WORKFLOW_FORMAT_VERSION
  name: string
  description?: string
  nodes: WorkflowNode[]
  edges: WorkflowEdge[]
  /** How often any node may run in one run (loops). Default 20. */
  maxIterations?: number
  /** JSON Schema of the input (the initial variables, an object). */
  input?: JsonSchema
  /** JSON Schema of the output. */
  output?: JsonSchema
}

/** The default of `maxIterations`. */
export const DEFAULT_MAX_ITERATIONS = 20

/** Node kinds whose work is safe to repeat, so they re-run after a crash by default. */
export const IDEMPOTENT_BY_DEFAULT: ReadonlySet<NodeType> = new Set([
  'start',
  'end',
  'condition',
  'parallel',
  'join',
  'human',
])
