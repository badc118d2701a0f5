/**
 * Workflows: graphs of nodes (agents, tools, LLM functions, conditions, parallel branches and
 * joins, human input, sub-workflows, custom handlers) joined by edges with conditions in a safe
 * expression language. A definition is plain JSON (`workflow(name)...build()` writes one); bind it
 * to the things its nodes use, then run it with a checkpoint after every node, pause for a person
 * and resume from any saved state.
 *
 * @example
 * import { bindWorkflow, createWorkflowServices, workflow } from 'agentloop/workflows'
 *
 * const definition = workflow('support')
 *   .node('start', { type: 'start' })
 *   .node('triage', { type: 'agent', agent: 'triage', input: '${message}' })
 *   .node('end', { type: 'end', output: '${triage.output}' })
 *   .edge('start', 'triage').edge('triage', 'end')
 *   .build()
 * const support = bindWorkflow(definition, { services: createWorkflowServices({ agents: [triage] }) })
 * const result = await support.run({ message: 'I was charged twice.' })
 *
 * @module
 */
export {
  type BindWorkflowOptions,
  type BoundWorkflow,
  bindWorkflow,
  type WorkflowResumeOptions,
} from './bind-workflow.js'
export type { WorkflowResult, WorkflowRunOptions } from './execute-workflow.js'
export {
  BUILT_IN_EVALUATORS,
  type ConditionEvaluator,
  type ConditionScope,
  jsonPathEvaluator,
  regexEvaluator,
} from './expression/condition-evaluators.js'
export { evaluateExpression, type NameLookup } from './expression/evaluate-expression.js'
export {
  type CompiledExpression,
  EXPRESSION_FUNCTIONS,
  parseExpression,
} from './expression/parse-expression.js'
export {
  HttpRequestError,
  type HttpRequestHandlerOptions,
  httpRequestHandler,
} from './http-request-handler.js'
export type { NodeCallContext, NodeHandler, NodeStateView, RenderedHandlerNode } from './node-handler.js'
export { parseWorkflowDefinition } from './parse-workflow-definition.js'
export { type WorkflowBuilder, workflow } from './workflow-builder.js'
export {
  type AgentNodeSpec,
  type ConditionNodeSpec,
  DEFAULT_MAX_ITERATIONS,
  type EndNodeSpec,
  type FunctionNodeSpec,
  type HandlerNodeSpec,
  type HumanNodeSpec,
  type JoinNodeSpec,
  NODE_TYPES,
  type NodeOptions,
  type NodeSpec,
  type NodeType,
  type ParallelNodeSpec,
  type StartNodeSpec,
  type Template,
  type ToolNodeSpec,
  WORKFLOW_FORMAT_VERSION,
  type WorkflowDefinition,
  type WorkflowEdge,
  type WorkflowNode,
  type WorkflowNodeSpecOfWorkflow,
} from './workflow-definition.js'
export {
  ExpressionError,
  NodeTimeoutError,
  WorkflowDefinitionError,
  WorkflowNodeError,
  WorkflowStalledError,
} from './workflow-errors.js'
export type {
  NestedEvent,
  NodeEndEvent,
  NodeRetryEvent,
  NodeStartEvent,
  WorkflowEndEvent,
  WorkflowEvent,
  WorkflowEventBase,
  WorkflowOwnEvent,
  WorkflowStartEvent,
} from './workflow-event.js'
export type {
  AfterNodeEvent,
  AfterNodeResult,
  BeforeNodeEvent,
  BeforeNodeResult,
  NodeErrorEvent,
  NodeErrorResult,
  NodeHookEventBase,
  WorkflowHooks,
} from './workflow-hooks.js'
export {
  createWorkflowServices,
  type ServiceCall,
  type WorkflowServices,
  type WorkflowServicesOptions,
} from './workflow-services.js'
export {
  type NodeRecord,
  type NodeStatus,
  type WaitingInput,
  WORKFLOW_STATE_VERSION,
  type WorkflowState,
  type WorkflowStatus,
} from './workflow-state.js'
export { workflowToMermaid } from './workflow-to-mermaid.js'
