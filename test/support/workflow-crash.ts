/**
 * The workflow of the SIGKILL crash tests (test/workflow-crash-*.test.ts), shared by the child
 * process that crashes and the test that resumes: start → a (not idempotent) → b (idempotent) →
 * approve (a person) → c (not idempotent) → end. Every handler execution is appended to a log
 * file first; `die(point)` is where the child kills itself (the resuming side passes a no-op).
 */
import { appendFileSync } from 'node:fs'
import type { Storage } from '../../src/storage/storage.js'
import { bindWorkflow } from '../../src/workflows/bind-workflow.js'
import { workflow } from '../../src/workflows/workflow-builder.js'

export const crashWorkflow = workflow('crash-order')
  .node('start', { type: 'start' })
  .node('a', { type: 'handler', handler: 'count', config: 'a ${amount}' })
  .node('b', { type: 'handler', handler: 'count', config: 'b', idempotent: true })
  .node('approve', { type: 'human', prompt: 'Ship ${amount}?' })
  .node('c', { type: 'handler', handler: 'count', config: 'c ${approve.output.ok}' })
  .node('end', { type: 'end', output: ['${a.output}', '${b.output}', '${c.output}'] })
  .edge('start', 'a')
  .edge('a', 'b')
  .edge('b', 'approve')
  .edge('approve', 'c')
  .edge('c', 'end')
  .build()

/**
 * The run's input: `notes` is long enough that the saved state passes the snapshot's tail limit
 * mid-run (at the end of approve), so part of the state is stored as a part of the run (format 2)
 * and the crash points fall before and after that part.
 */
export const crashInput = JSON.stringify({ amount: 42, notes: 'n'.repeat(1_300) })

/** The crash points: around and inside each handler node, after its saved end, and around the pause. */
export const workflowCrashPoints = [
  ...['a', 'b', 'c'].flatMap((id) => [`before:${id}`, `during:${id}`, `after:${id}`, `saved:${id}`]),
  'saved:approve',
  'paused',
  'resume-stored',
]

/** The bound workflow; its handler logs each execution, and hooks call `die` around nodes. */
export function boundCrashWorkflow(log: string, die: (point: string) => void) {
  return bindWorkflow(crashWorkflow, {
    handlers: [
      {
        name: 'count',
        execute: (node) => {
          appendFileSync(log, `${node.id}\n`)
          die(`during:${node.id}`)
          return node.config
        },
      },
    ],
    hooks: {
      beforeNode: ({ node }) => void die(`before:${node.id}`),
      afterNode: ({ node }) => void die(`after:${node.id}`),
    },
  })
}

/** Storage that calls `die` right after the write that saved a node's end, or a resume's input. */
export function dyingWorkflowStorage(storage: Storage, die: (point: string) => void): Storage {
  const runs: Storage['runs'] = { ...storage.runs }
  runs.save = async (input) => {
    const saved = await storage.runs.save(input)
    const snapshot = input.snapshot as unknown as {
      state?: { nodes?: Record<string, { status: string }> }
      resumeInput?: unknown
    }
    for (const event of input.events ?? []) {
      const ended = event as { type: string; nodeId?: string; status?: string }
      if (ended.type === 'node.end' && (ended.status === 'completed' || ended.status === 'waiting'))
        die(`saved:${ended.nodeId}`)
    }
    if (input.status === 'queued' && snapshot.resumeInput !== undefined) die('resume-stored')
    return saved
  }
  return { ...storage, runs }
}
