import { ConfigError } from '../errors/errors.js'
import type { Runnable } from '../run/runnable.js'
import { requireJson } from '../storage/repositories/shared.js'
import { resolveSchema } from '../tool/schema.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import {
  type Execution,
  executeWorkflow,
  type WorkflowResult,
  type WorkflowRunOptions,
} from './execute-workflow.js'
import type { ConditionEvaluator } from './expression/condition-evaluators.js'
import type { NodeHandler } from './node-handler.js'
import { isValidatedDefinition, parseWorkflowDefinition } from './parse-workflow-definition.js'
import { prepareResume, readState } from './resume-state.js'
import type { WorkflowDefinition } from './workflow-definition.js'
import type { WorkflowPersist } from './workflow-emitter.js'
import type { WorkflowHooks } from './workflow-hooks.js'
import { compilePlan } from './workflow-plan.js'
import { createWorkflowRunnable } from './workflow-runnable.js'
import type { WorkflowServices } from './workflow-services.js'
import { WORKFLOW_STATE_VERSION, type WorkflowState } from './workflow-state.js'

/** What a workflow is bound to: where its nodes' work comes from. */
export interface BindWorkflowOptions<TContext = unknown> {
  /** How agent, tool and function nodes reach their agents, tools and LLM functions. */
  services?: WorkflowServices<TContext>
  /** Custom node handlers, by their `name`. */
  handlers?: readonly NodeHandler<TContext>[]
  /** Condition evaluators by prefix (`{ 'cel:': evaluator }`), besides the built-in `regex:` and `jsonpath:`. */
  evaluators?: Readonly<Record<string, ConditionEvaluator>>
  /** Workflows that `workflow` nodes may run, by name. */
  workflows?: readonly BoundWorkflow<TContext>[]
  /** Hooks around nodes. */
  hooks?: WorkflowHooks<TContext> | readonly WorkflowHooks<TContext>[]
}

/** Options of `resume`. */
export interface WorkflowResumeOptions<TContext = unknown>
  extends Omit<WorkflowRunOptions<TContext>, 'runId'> {
  /** The answer of the waiting human node, when exactly one waits. */
  input?: JsonValue
  /** Answers of waiting human nodes, by node id. */
  inputs?: Readonly<Record<string, JsonValue>>
  /**
   * Decisions on interrupted nodes (`needs_review`), by node id: `'rerun'` runs the node again,
   * `{ output }` completes it with this output without running it.
   */
  review?: Readonly<Record<string, 'rerun' | { output: JsonValue }>>
}

/** A workflow bound to its handlers, evaluators, services and hooks: ready to run and resume. */
export interface BoundWorkflow<TContext = unknown> {
  readonly name: string
  readonly definition: WorkflowDefinition
  /** Runs the workflow with `input` as its variables (an object). Rejects when it fails or is cancelled. */
  run(input?: JsonObject, options?: WorkflowRunOptions<TContext>): Promise<WorkflowResult>
  /**
   * Continues a run from a saved state (the last `checkpoint`): completed nodes are not run again,
   * interrupted idempotent nodes run again, waiting human nodes take their answers.
   */
  resume(state: WorkflowState, options?: WorkflowResumeOptions<TContext>): Promise<WorkflowResult>
  /**
   * The workflow as a runnable of the Runtime (`runtime.register(bound)` calls it): runs with
   * `runtime.run`/`stream`/`submit`, stored as one run, paused human nodes answered with
   * `runtime.resume(runId, { input: { [nodeId]: answer } })`. See docs/workflows.md.
   */
  toRunnable(): Runnable<TContext, JsonValue>
}

/**
 * Binds a definition to the things its nodes use. Throws `WorkflowDefinitionError` when the
 * definition is invalid or names a handler, evaluator, agent, tool, function or workflow that is
 * not registered, naming the node and the field.
 *
 * @example
 * const bound = bindWorkflow(definition, { services: createWorkflowServices({ agents }), handlers: [httpRequestHandler()] })
 * const result = await bound.run({ message: 'My invoice is wrong' }, { checkpoint: (state) => save(state) })
 */
export function bindWorkflow<TContext = unknown>(
  definition: unknown,
  options: BindWorkflowOptions<TContext> = {},
): BoundWorkflow<TContext> {
  const parsed = isValidatedDefinition(definition) ? definition : parseWorkflowDefinition(definition)
  const where = `bindWorkflow("${parsed.name}")`
  const handlers = new Map<string, NodeHandler<TContext>>()
  for (const [index, handler] of (options.handlers ?? []).entries()) {
    if (typeof handler?.name !== 'string' || typeof handler.execute !== 'function') {
      throw new ConfigError({
        message: `${where}: handlers[${index}] must be { name, execute(node, state, context) }.`,
      })
    }
    if (handlers.has(handler.name))
      throw new ConfigError({ message: `${where}: two handlers are named "${handler.name}".` })
    handlers.set(handler.name, handler)
  }
  const evaluators = new Map<string, ConditionEvaluator>()
  for (const [prefix, evaluator] of Object.entries(options.evaluators ?? {})) {
    if (!/^[A-Za-z][\w-]*:$/.test(prefix)) {
      throw new ConfigError({
        message: `${where}: evaluator prefix ${JSON.stringify(prefix)} must be a word followed by ":", such as "cel:".`,
      })
    }
    if (typeof evaluator?.compile !== 'function' || typeof evaluator.evaluate !== 'function') {
      throw new ConfigError({
        message: `${where}: evaluators["${prefix}"] must be { compile(text), evaluate(compiled, scope) }.`,
      })
    }
    evaluators.set(prefix, evaluator)
  }
  const workflows = new Map<string, BoundWorkflow<TContext>>()
  for (const [index, bound] of (options.workflows ?? []).entries()) {
    if (typeof bound?.name !== 'string' || typeof bound.run !== 'function') {
      throw new ConfigError({
        message: `${where}: workflows[${index}] must be a bound workflow (from bindWorkflow).`,
      })
    }
    workflows.set(bound.name, bound)
  }
  const hooks =
    options.hooks === undefined
      ? []
      : Array.isArray(options.hooks)
        ? options.hooks
        : [options.hooks as WorkflowHooks<TContext>]
  const services = options.services ?? {}
  const plan = compilePlan(parsed, {
    handlers,
    evaluators,
    services,
    workflowNames: new Set(workflows.keys()),
    hooks,
  })
  const inputSchema =
    parsed.input === undefined
      ? undefined
      : resolveSchema<unknown>(parsed.input, { strict: false, field: `workflow "${parsed.name}": input` })
  const outputSchema =
    parsed.output === undefined
      ? undefined
      : resolveSchema<unknown>(parsed.output, {
          strict: false,
          objectOnly: false,
          field: `workflow "${parsed.name}": output`,
        })

  const execute = (
    state: WorkflowState,
    resumed: boolean,
    runOptions: WorkflowRunOptions<TContext>,
    completions: Map<string, JsonValue>,
    persist: Persist | undefined,
  ) => {
    checkRunOptions(runOptions, where)
    const execution: Execution<TContext> = {
      plan,
      services,
      state,
      resumed,
      options: runOptions,
      outputSchema,
      completions,
      persist,
      runWorkflow: async (name, input, call) => {
        const child = workflows.get(name) as BoundWorkflow<TContext>
        if (input === null || typeof input !== 'object' || Array.isArray(input)) {
          throw new ConfigError({
            message: `Node "${call.nodeId}": the input of workflow "${name}" must render to an object.`,
          })
        }
        const result = await child.run(input, {
          runId: `${call.runId}:${call.nodeId}`,
          signal: call.signal,
          context: call.context,
          onEvent: (event) => call.emit(event),
        })
        if (result.status !== 'completed') {
          throw new ConfigError({
            message: `Node "${call.nodeId}": sub-workflow "${name}" paused with status ${result.status}; pausing inside a sub-workflow is not supported yet. Move the human node into the parent workflow.`,
          })
        }
        return result.output ?? null
      },
    }
    return executeWorkflow(execution)
  }

  const start = async (
    input: JsonObject,
    runOptions: WorkflowRunOptions<TContext>,
    persist: Persist | undefined,
  ): Promise<WorkflowResult> => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new ConfigError({
        message: `${where}.run: input must be an object (the workflow's variables); got ${Array.isArray(input) ? 'an array' : typeof input}.`,
      })
    }
    requireJson(input, `${where}.run: input`)
    let variables = structuredClone(input)
    if (inputSchema !== undefined) {
      const checked = await inputSchema.validate(variables)
      if (!checked.success) {
        const issues = checked.issues
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ')
        throw new ConfigError({
          message: `${where}.run: the input does not match the workflow's input schema: ${issues}.`,
        })
      }
      variables = checked.value as JsonObject
    }
    const runId = runOptions.runId ?? crypto.randomUUID()
    if (typeof runId !== 'string' || runId.length === 0)
      throw new ConfigError({ message: `${where}.run: runId must be a non-empty string.` })
    const state: WorkflowState = {
      version: WORKFLOW_STATE_VERSION,
      kind: 'workflow',
      runId,
      workflow: parsed.name,
      status: 'running',
      variables,
      outputs: {},
      nodes: {},
      ready: [plan.startId],
      joins: {},
      waiting: [],
      interrupted: [],
      seq: 0,
      startedAt: Date.now(),
    }
    return execute(state, false, runOptions, new Map(), persist)
  }
  const resume = async (
    saved: WorkflowState,
    resumeOptions: WorkflowResumeOptions<TContext>,
    persist: Persist | undefined,
  ): Promise<WorkflowResult> => {
    const state = readState(saved, parsed.name)
    const { completions } = prepareResume(state, plan, resumeOptions, where)
    if (state.status === 'completed') {
      return {
        runId: state.runId,
        workflow: state.workflow,
        status: 'completed',
        output: state.output ?? null,
        waiting: [],
        interrupted: [],
        state,
      }
    }
    return execute(state, true, resumeOptions, completions, persist)
  }
  const bound: BoundWorkflow<TContext> = {
    name: parsed.name,
    definition: parsed,
    run: (input = {}, runOptions = {}) => start(input, runOptions, undefined),
    resume: (saved, resumeOptions = {}) => resume(saved, resumeOptions, undefined),
    toRunnable: () =>
      createWorkflowRunnable<TContext>({
        name: parsed.name,
        definition: parsed,
        start,
        resume,
        check: (saved, decisions) => {
          const state = readState(saved, parsed.name)
          prepareResume(state, plan, decisions, where)
        },
      }),
  }
  return bound
}

/** Saves a workflow state with the event that reports it (one write), then delivers the event. */
type Persist = WorkflowPersist

function checkRunOptions(options: WorkflowRunOptions<unknown>, where: string): void {
  if (options === null || typeof options !== 'object')
    throw new ConfigError({ message: `${where}: options must be an object.` })
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw new ConfigError({ message: `${where}: signal must be an AbortSignal.` })
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function')
    throw new ConfigError({ message: `${where}: onEvent must be a function (event) => void.` })
  if (options.checkpoint !== undefined && typeof options.checkpoint !== 'function') {
    throw new ConfigError({
      message: `${where}: checkpoint must be a function (state) => void | Promise<void>.`,
    })
  }
}
