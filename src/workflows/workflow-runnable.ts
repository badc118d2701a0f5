/**
 * A bound workflow as a runnable of the Runtime: one stored run per workflow run, its state saved
 * with the run after every node (with the event that reports it, in one write; incrementally, as
 * `stored-workflow-state.ts` says), its events in the run's log and stream, human nodes pausing the
 * run (`awaiting_input`) until `runtime.resume(runId, { input: { [nodeId]: answer } })`, crashes
 * resumed by the runner from the last saved node.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { RunEventData } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import { ownedCheckpointsOf } from '../run/owned-checkpoints.js'
import type { Runnable, RunnableContext } from '../run/runnable.js'
import { copyJson } from '../storage/repositories/shared.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import type { WorkflowResumeOptions } from './bind-workflow.js'
import type { WorkflowResult, WorkflowRunOptions } from './execute-workflow.js'
import type { WorkflowDefinition } from './workflow-definition.js'
import {
  type CapturedWorkflowState,
  createWorkflowStateSaver,
  rebuildWorkflowState,
} from './stored-workflow-state.js'
import type { WorkflowPersist } from './workflow-emitter.js'
import type { WorkflowEvent, WorkflowEventData } from './workflow-event.js'
import type { WorkflowState } from './workflow-state.js'

/** What the adapter needs of a bound workflow (its internal entry points). */
export interface WorkflowEngine<TContext> {
  name: string
  /** The validated definition (what `workflowDefinitionOf` answers for the runnable). */
  definition: WorkflowDefinition
  start(
    input: JsonObject,
    options: WorkflowRunOptions<TContext>,
    persist: WorkflowPersist,
  ): Promise<WorkflowResult>
  resume(
    state: WorkflowState,
    options: WorkflowResumeOptions<TContext>,
    persist: WorkflowPersist,
  ): Promise<WorkflowResult>
  /** Throws `ConfigError` when `decisions` cannot resume `state` (nothing changes). */
  check(state: WorkflowState, decisions: WorkflowResumeOptions<TContext>): void
}

/** The statuses of a `workflow.end` after which the run ends or pauses with nothing else written. */
const ENDS_HERE = new Set(['completed', 'awaiting_input', 'needs_review'])

/** The workflow's own event types; anything else a node forwards is wrapped in `node.event`. */
const OWN = new Set(['workflow.start', 'workflow.end', 'node.start', 'node.retry', 'node.end'])

/**
 * The variables of a workflow run from the run's input: a single user message whose text is a
 * JSON object is the variables object; otherwise `{ message }` with the text of the last user message.
 */
export function workflowVariables(input: readonly Message[]): JsonObject {
  const users = input.filter((message) => message.role === 'user')
  const last = users.at(-1)
  const text =
    last === undefined
      ? ''
      : typeof last.content === 'string'
        ? last.content
        : last.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
  if (input.length === 1 && text.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as unknown
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject
    } catch {
      // Not JSON: the text is the message.
    }
  }
  return { message: text }
}

/** A workflow event as a run event: the workflow's own as they are, a node's nested ones wrapped. */
export function toRunEvent(event: WorkflowEvent | WorkflowEventData): RunEventData {
  // A copy without the stamped fields, by a loop (object rest is slow in V8): one per event.
  const data: Record<string, unknown> = {}
  const fields = event as unknown as Record<string, unknown>
  let flat = true
  for (const key in fields) {
    if (key === 'runId' || key === 'seq' || key === 'time') continue
    const value = fields[key]
    data[key] = value
    if (value !== null && typeof value === 'object') flat = false
  }
  if (OWN.has(data.type as string) && data.nodeRunId === undefined) {
    // Its nested values (an output, an error, a prompt) are copies: the run's subscribers get it.
    if (!flat) {
      for (const key in data) {
        const value = data[key]
        if (value !== null && typeof value === 'object') {
          data[key] = copyJson(value as JsonValue, `the "${String(data.type)}" event's ${key}`)
        }
      }
    }
    return data as unknown as RunEventData
  }
  const { nodeId, nodeRunId, ...inner } = data
  return {
    type: 'node.event',
    nodeId: String(nodeId),
    ...(typeof nodeRunId === 'string' ? { nodeRunId } : {}),
    event: JSON.parse(JSON.stringify(inner)) as { type: string; [field: string]: JsonValue },
  }
}

/**
 * Reads `runtime.resume`'s input for a paused workflow state: an object keyed by node id, each a
 * waiting human node's answer, or for an interrupted node (`needs_review`) `'rerun'` or `{ output }`.
 */
export function decisionsOf<TContext>(
  input: JsonValue,
  state: WorkflowState,
): WorkflowResumeOptions<TContext> {
  const waiting = state.waiting.map((entry) => entry.nodeId)
  const interrupted = state.interrupted
  const expected = [...waiting, ...interrupted]
  if (
    input === null ||
    typeof input !== 'object' ||
    Array.isArray(input) ||
    Object.keys(input).length === 0
  ) {
    throw new ConfigError({
      message: `resume: input for workflow "${state.workflow}" must be an object keyed by node id, { [nodeId]: answer }, naming nodes that wait (${expected.join(', ') || 'none'}); got ${JSON.stringify(input)}.`,
    })
  }
  const inputs: Record<string, JsonValue> = {}
  const review: Record<string, 'rerun' | { output: JsonValue }> = {}
  for (const [nodeId, answer] of Object.entries(input)) {
    if (waiting.includes(nodeId)) inputs[nodeId] = answer as JsonValue
    else if (interrupted.includes(nodeId)) {
      const isOutput =
        answer !== null && typeof answer === 'object' && !Array.isArray(answer) && 'output' in answer
      if (answer !== 'rerun' && !isOutput) {
        throw new ConfigError({
          message: `resume: input["${nodeId}"]: node "${nodeId}" was interrupted (needs_review); answer 'rerun' to run it again or { output } to complete it with that output; got ${JSON.stringify(answer)}.`,
        })
      }
      review[nodeId] = answer === 'rerun' ? 'rerun' : { output: (answer as { output: JsonValue }).output }
    } else {
      throw new ConfigError({
        message: `resume: input["${nodeId}"]: node "${nodeId}" of workflow "${state.workflow}" does not wait for input (waiting: ${expected.join(', ') || 'none'}).`,
      })
    }
  }
  return {
    ...(Object.keys(inputs).length === 0 ? {} : { inputs }),
    ...(Object.keys(review).length === 0 ? {} : { review }),
  }
}

/** The definitions of the runnables made here, for those that list what a runtime serves. */
const definitions = new WeakMap<object, WorkflowDefinition>()

/**
 * The workflow definition behind a runnable registered on a runtime (`runtime.register(bound)`),
 * or undefined when the runnable is not a workflow: how the server finds the runtime's workflows.
 */
export function workflowDefinitionOf(runnable: object): WorkflowDefinition | undefined {
  return definitions.get(runnable)
}

/** See the module comment. */
export function createWorkflowRunnable<TContext>(
  engine: WorkflowEngine<TContext>,
): Runnable<TContext, JsonValue> {
  const runnable: Runnable<TContext, JsonValue> = {
    name: engine.name,
    checkInput(input, paused) {
      const state =
        paused.state === undefined
          ? undefined
          : (rebuildWorkflowState(paused.state, paused.parts ?? []) as WorkflowState)
      if (state === undefined) {
        throw new ConfigError({ message: `resume: workflow "${engine.name}" has no saved state to resume.` })
      }
      engine.check(state, decisionsOf<TContext>(input, state))
    },
    async run(ctx: RunnableContext<TContext>) {
      // `workflow.start`, and a `node.start` that needs no save of its own (the node is
      // idempotent), are stored with the next write instead of one of their own: with the node's
      // end, or before the first event the node forwards. Order is kept: held events always go
      // out before the next one.
      let held: RunEventData[] = []
      const release = (): RunEventData[] => {
        const events = held
        held = []
        return events
      }
      // The state is saved incrementally (stored-workflow-state.ts): rebuilt here from the
      // snapshot and the run's parts.
      const saved =
        ctx.state === undefined ? undefined : (rebuildWorkflowState(ctx.state, ctx.parts) as WorkflowState)
      const saver = createWorkflowStateSaver(
        saved === undefined ? undefined : { stored: ctx.state, state: saved },
      )
      // The saver's snapshots and parts are new objects, never changed afterwards, of values the
      // engine checked (outputs, variables, answers): the run stores them without a copy.
      const owned = ownedCheckpointsOf(ctx as RunnableContext<unknown>)
      const persist: WorkflowPersist = {
        begin: (state) => saver.begin(state),
        capture: (state, seq, changed) => saver.capture(state, seq, changed),
        write(captured, event) {
          const { state, part } = captured as CapturedWorkflowState
          const events = held.length === 0 ? [toRunEvent(event)] : [...release(), toRunEvent(event)]
          if (owned === undefined) {
            return ctx.checkpoint(
              state as unknown as JsonValue,
              events,
              part === undefined ? undefined : { part: part as unknown as JsonObject },
            )
          }
          // The run's last checkpoint (it completes or pauses next) is saved with its end, in one write.
          if (event.type === 'workflow.end' && ENDS_HERE.has(event.status)) {
            owned.checkpointAtEnd(
              state as unknown as JsonValue,
              events,
              part as unknown as JsonObject | undefined,
            )
            return Promise.resolve()
          }
          return owned.checkpoint(
            state as unknown as JsonValue,
            events,
            part as unknown as JsonObject | undefined,
          )
        },
      }
      const options: WorkflowRunOptions<TContext> = {
        signal: ctx.signal,
        context: ctx.context,
        onEvent: (event) => {
          const data = toRunEvent(event)
          if (data.type === 'node.start' || data.type === 'workflow.start') {
            held.push(data)
            return undefined
          }
          const events = [...release(), data]
          return Promise.all(events.map((each) => ctx.emitEvent(each))).then(() => undefined)
        },
      }
      let result: WorkflowResult
      try {
        if (saved === undefined) {
          result = await engine.start(workflowVariables(ctx.input), { ...options, runId: ctx.runId }, persist)
        } else {
          const decisions = ctx.resumeInput === undefined ? {} : decisionsOf<TContext>(ctx.resumeInput, saved)
          result = await engine.resume(saved, { ...options, ...decisions }, persist)
        }
      } catch (error) {
        // The run's timeout or cancellation, not the workflow's own report of it.
        if (ctx.signal.aborted) throw ctx.signal.reason
        throw error
      } finally {
        const events = release()
        if (events.length > 0) await Promise.all(events.map((each) => ctx.emitEvent(each))).catch(() => {})
      }
      if (result.status === 'awaiting_input')
        return ctx.pause({ waiting: result.waiting as unknown as JsonValue })
      if (result.status === 'needs_review') {
        return ctx.pause({ interrupted: result.interrupted }, { status: 'needs_review' })
      }
      return result.output ?? null
    },
  }
  definitions.set(runnable, engine.definition)
  return runnable
}
