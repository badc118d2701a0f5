/**
 * How a workflow run of the Runtime stores its state (format 2): each checkpoint's snapshot holds
 * what changes from one node to the next (status, ready nodes, joins, waiting nodes, `seq`...) and
 * the tail: the node records, outputs and variables changed since the last part. Once the tail
 * passes `WORKFLOW_TAIL_BYTES` it is written as a part of the run (`ctx.checkpoint(state, events, { part })`),
 * stored once and never rewritten. So a checkpoint costs about the same at node 500 as at node 1,
 * where format 1 (the whole `WorkflowState` in every snapshot, still read) wrote every node's
 * record and output again with each node. The state is rebuilt from the parts, then the tail.
 *
 * What changed is found by comparing with what was saved, for the nodes the executor reported
 * events of since the last save (every change of a node is told by an event naming it): node
 * records by value (the executor updates them in place), outputs and variables by reference (they
 * are replaced, never changed in place: handlers and hooks get them read-only).
 *
 * @module
 */
import type { JsonObject, JsonValue } from '../util/json.js'
import { flatJsonSize, jsonSizeOnce } from '../util/json-size.js'
import type { NodeRecord, WorkflowState } from './workflow-state.js'

/**
 * The JSON size (UTF-16 units) past which a workflow checkpoint's tail is written as a part: with
 * the events the checkpoint holds (`RunnableSnapshot.heldEvents`, the journal's `HELD_BYTES`) and
 * the rest of the snapshot, the checkpoint row stays within one SQLite page. Half an agent run's
 * `TAIL_BYTES`, because the row also holds those events.
 */
export const WORKFLOW_TAIL_BYTES = 768

/** The snapshot of a workflow run's checkpoint (format 2). */
export interface StoredWorkflowState extends Omit<WorkflowState, 'version' | 'variables'> {
  version: 2
  /** The node records changed since the last part (the others are in the parts). */
  nodes: WorkflowState['nodes']
  /** The outputs changed since the last part. */
  outputs: WorkflowState['outputs']
  /** The variables, when they changed since the last part. */
  variables?: JsonObject
}

/** A part of a workflow run's state: the records, outputs and variables of a tail, written once. */
export interface WorkflowStatePart {
  nodes: WorkflowState['nodes']
  outputs: WorkflowState['outputs']
  variables?: JsonObject
}

/** What a save of the state writes: the snapshot, and a part when the tail grew past its limit. */
export interface CapturedWorkflowState {
  state: StoredWorkflowState
  part?: WorkflowStatePart
}

/**
 * The state (format 1, validated by the caller) of a stored snapshot and the run's parts. A
 * format 1 snapshot is returned as it is; a damaged one (a part or tail that is not an object)
 * comes back with `nodes` null, so that validation names it.
 */
export function rebuildWorkflowState(stored: unknown, parts: readonly unknown[]): unknown {
  const snapshot = stored as Partial<StoredWorkflowState> | { version?: unknown } | null
  if (snapshot?.version !== 2) return stored
  const {
    nodes: tailNodes,
    outputs: tailOutputs,
    variables: tailVariables,
    ...rest
  } = snapshot as Partial<StoredWorkflowState>
  let nodes: WorkflowState['nodes'] | null = {}
  const outputs: WorkflowState['outputs'] = {}
  let variables: JsonObject | undefined
  for (const piece of [...parts, { nodes: tailNodes, outputs: tailOutputs, variables: tailVariables }]) {
    const {
      nodes: pieceNodes,
      outputs: pieceOutputs,
      variables: pieceVariables,
    } = (piece as Partial<WorkflowStatePart> | undefined | Record<string, undefined>) ?? {}
    if (!isObject(pieceNodes) || !isObject(pieceOutputs)) nodes = null
    else if (nodes !== null) {
      Object.assign(nodes, pieceNodes)
      Object.assign(outputs, pieceOutputs)
    }
    if (pieceVariables !== undefined) variables = pieceVariables
  }
  return { ...rest, version: 1, variables, nodes, outputs }
}

/** Saves of one workflow run: what each writes, given what the earlier ones wrote. */
export interface WorkflowStateSaver {
  /**
   * Takes the state the run executes from, before the run changes it: its outputs and variables
   * are what is stored (a resumed run's state was read back from the stored one).
   */
  begin(state: WorkflowState): void
  /**
   * What a save of `state` (with its last event `seq`) writes; later changes are not in it.
   * `changed`: the nodes whose record or output may have changed since the previous save (the
   * executor reports every change with an event naming the node); without it, every node.
   */
  capture(state: WorkflowState, seq: number, changed?: Iterable<string>): CapturedWorkflowState
}

/**
 * A saver for a new run (no `resumed`), or for a run resumed from its stored snapshot and the state
 * rebuilt from it (`rebuildWorkflowState`, validated); its tail becomes a part once past
 * `tailBytes` (JSON size in UTF-16 units).
 */
export function createWorkflowStateSaver(
  resumed?: { stored: unknown; state: WorkflowState },
  tailBytes = WORKFLOW_TAIL_BYTES,
): WorkflowStateSaver {
  /** What the stored checkpoint (parts and tail) holds: record copies, output and variable references. */
  const savedNodes = new Map<string, NodeRecord>()
  const savedOutputs = new Map<string, JsonValue>()
  /** Set once a save compared every node. */
  let scanned = false
  let savedVariables: JsonObject | undefined
  /** What the stored tail holds (written again with each snapshot until it becomes a part). */
  let tail: WorkflowStatePart = { nodes: {}, outputs: {} }
  /** The JSON size of each record and output in the tail, by node id; and of them all. */
  const recordSizes = new Map<string, number>()
  const outputSizes = new Map<string, number>()
  let variablesSize = 0
  let size = 0
  const put = (sizes: Map<string, number>, id: string, bytes: number) => {
    size += bytes - (sizes.get(id) ?? 0)
    sizes.set(id, bytes)
  }
  const putVariables = (bytes: number) => {
    size += bytes - variablesSize
    variablesSize = bytes
  }
  return {
    begin(state) {
      const stored = resumed?.stored as Partial<StoredWorkflowState> | undefined
      // A new run has nothing stored; a format 1 snapshot has no tail and no parts, so the first
      // save of its run writes everything, as a part.
      if (stored?.version !== 2 || resumed === undefined) return
      // Records by value as stored (the executor may have changed them since: a node to re-run).
      for (const [id, record] of Object.entries(resumed.state.nodes)) savedNodes.set(id, { ...record })
      for (const [id, output] of Object.entries(state.outputs)) savedOutputs.set(id, output)
      savedVariables = state.variables
      for (const id of Object.keys(stored.nodes ?? {})) {
        const record = savedNodes.get(id)
        if (record === undefined) continue
        tail.nodes[id] = record
        put(recordSizes, id, flatJsonSize(record) + id.length)
      }
      for (const id of Object.keys(stored.outputs ?? {})) {
        if (!Object.hasOwn(state.outputs, id)) continue
        const output = state.outputs[id] as JsonValue
        tail.outputs[id] = output
        put(outputSizes, id, jsonSizeOnce(output) + id.length)
      }
      if (stored.variables !== undefined) {
        tail.variables = state.variables
        putVariables(jsonSizeOnce(state.variables))
      }
    },
    capture(state, seq, changed) {
      // The nodes to compare: those the executor reported a change of since the last save, or
      // (the first save, or without a report) every node.
      const ids = changed === undefined || !scanned ? allIds(state) : changed
      scanned = true
      for (const id of ids) {
        const record = state.nodes[id]
        const saved = savedNodes.get(id)
        if (record !== undefined && (saved === undefined || !sameRecord(saved, record))) {
          const copy = { ...record }
          savedNodes.set(id, copy)
          tail.nodes[id] = copy
          put(recordSizes, id, flatJsonSize(copy) + id.length)
        }
        if (!Object.hasOwn(state.outputs, id)) continue
        const output = state.outputs[id] as JsonValue
        if (savedOutputs.get(id) === output && savedOutputs.has(id)) continue
        savedOutputs.set(id, output)
        tail.outputs[id] = output
        put(outputSizes, id, jsonSizeOnce(output) + id.length)
      }
      if (state.variables !== savedVariables) {
        savedVariables = state.variables
        tail.variables = state.variables
        putVariables(jsonSizeOnce(state.variables))
      }
      let part: WorkflowStatePart | undefined
      if (size > tailBytes) {
        part = tail
        tail = { nodes: {}, outputs: {} }
        recordSizes.clear()
        outputSizes.clear()
        variablesSize = 0
        size = 0
      }
      const snapshot: StoredWorkflowState = {
        version: 2,
        kind: 'workflow',
        runId: state.runId,
        workflow: state.workflow,
        status: state.status,
        nodes: { ...tail.nodes },
        outputs: { ...tail.outputs },
        ready: [...state.ready],
        joins: copyJoins(state.joins),
        waiting: [...state.waiting],
        interrupted: [...state.interrupted],
        seq,
        startedAt: state.startedAt,
      }
      if (tail.variables !== undefined) snapshot.variables = tail.variables
      if (state.output !== undefined) snapshot.output = state.output
      if (state.error !== undefined) snapshot.error = state.error
      return part === undefined ? { state: snapshot } : { state: snapshot, part }
    },
  }
}

function allIds(state: WorkflowState): Set<string> {
  const ids = new Set(Object.keys(state.nodes))
  for (const id in state.outputs) ids.add(id)
  return ids
}

function sameRecord(saved: NodeRecord, record: NodeRecord): boolean {
  return (
    saved.status === record.status &&
    saved.runs === record.runs &&
    saved.attempts === record.attempts &&
    saved.durationMs === record.durationMs &&
    saved.error === record.error
  )
}

function copyJoins(joins: WorkflowState['joins']): WorkflowState['joins'] {
  const copy: WorkflowState['joins'] = {}
  for (const id in joins) {
    const join = joins[id] as WorkflowState['joins'][string]
    copy[id] = { arrived: [...join.arrived], phase: join.phase }
  }
  return copy
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
