import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build as bundle } from 'esbuild'
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { RunResult } from '../../src/run/run-result.js'
import { Runtime } from '../../src/run/runtime.js'
import type { Storage } from '../../src/storage/storage.js'
import type { JsonValue } from '../../src/util/json.js'
import { root } from './build.js'
import { openCrashStorage } from './crash-agent.js'
import { runChild } from './run-child.js'
import { serviceSkipReason } from './services.js'
import { boundCrashWorkflow, crashInput, workflowCrashPoints } from './workflow-crash.js'

/**
 * Real crashes of a workflow run by the Runtime: a child process runs the crash workflow and kills
 * itself with SIGKILL at a node boundary (before a node, inside its handler, after it returned,
 * right after its end was saved, around the pause for a person and the stored answer). A fresh
 * Runtime in this process then recovers the run (orphan recovery) and takes it to its end,
 * answering as a person would. No node may complete twice, the non-idempotent handlers may run
 * at most once, and the stored log stays one sequence. WORKFLOW_CRASH_RUNS runs per point
 * (default 1). Each point has its own store (a recovery claims every orphan of its store), so
 * the points run concurrently (vitest's maxConcurrency).
 */
const RUNS = Number(process.env.WORKFLOW_CRASH_RUNS ?? 1)

export interface WorkflowCrashBackend {
  name: 'sqlite' | 'postgres'
  /** Where the runs of crash point number `point` are stored (a file path, or a URL with `#schema`). */
  target: (dir: string, point: number) => string
  service?: 'PostgreSQL'
  cleanUp?: () => Promise<void>
}

function child(script: string, args: string[]): Promise<{ signal: string | null; stderr: string }> {
  return runChild(script, args, root)
}

/** Recovers the crashed run in a fresh Runtime and answers its pauses until it completes. */
async function resumeToEnd(storage: Storage, runId: string, log: string) {
  const bound = boundCrashWorkflow(log, () => {})
  const runtime = new Runtime({ storage, runnables: [bound], runner: { retryDelayMs: 1 } })
  const reviews: string[] = []
  try {
    const record = await storage.runs.get(runId)
    let result: RunResult<unknown>
    if (record === null) {
      result = await runtime.run(bound, crashInput, { runId }) // killed before its first save
    } else {
      // Starting the worker recovers the orphan (left running or queued by the dead process).
      await runtime.work()
      result = await runtime.wait(runId)
    }
    for (let round = 0; round < 4 && result.status !== 'completed'; round++) {
      const request = result.request as {
        waiting?: { nodeId: string }[]
        interrupted?: string[]
      } | null
      const input: Record<string, JsonValue> = {}
      for (const { nodeId } of request?.waiting ?? []) input[nodeId] = { ok: true }
      for (const nodeId of request?.interrupted ?? []) {
        // Interrupted inside a non-idempotent handler: a person checks and supplies its output.
        reviews.push(nodeId)
        input[nodeId] = { output: `${nodeId} reviewed` }
      }
      result = await runtime.resume(runId, { input })
    }
    return { reviews, result }
  } finally {
    await runtime.close()
  }
}

export function workflowCrashSuite(backend: WorkflowCrashBackend): void {
  describe(`workflow crash and resume on ${backend.name} (real processes, SIGKILL, ${RUNS} run(s) per point)`, () => {
    const dir = mkdtempSync(join(tmpdir(), `agentloop-workflow-crash-${backend.name}-`))
    const script = join(
      root,
      'node_modules',
      '.cache',
      `workflow-crash-child-${backend.name}-${process.pid}.mjs`,
    )
    let skip: string | undefined
    const stores: Storage[] = []
    const figures = { runs: 0, completed: 0, duplicates: 0 }
    beforeAll(async () => {
      if (backend.service !== undefined) skip = await serviceSkipReason(backend.service)
      if (skip !== undefined) return
      await bundle({
        entryPoints: [join(root, 'test/support/workflow-crash-child.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        outfile: script,
        logLevel: 'silent',
      })
    }, 60_000)
    afterAll(async () => {
      if (skip !== undefined) return
      console.log(
        `workflow crash test on ${backend.name}: ${figures.completed}/${figures.runs} runs completed after a SIGKILL at one of ${workflowCrashPoints.length} points; nodes completed twice: ${figures.duplicates}`,
      )
      for (const storage of stores) await storage.close()
      await backend.cleanUp?.()
      rmSync(dir, { recursive: true, force: true })
      rmSync(script, { force: true })
    })

    it.concurrent.for(workflowCrashPoints)(
      'a run killed at %s resumes to completion; no node completes twice',
      { timeout: 120_000 },
      async (point, context) => {
        if (skip !== undefined) context.skip(skip)
        const { expect } = context
        const target = backend.target(dir, workflowCrashPoints.indexOf(point))
        const storage = await openCrashStorage(backend.name, target)
        stores.push(storage)
        for (let index = 0; index < RUNS; index++) {
          const runId = `wf-crash-${point.replace(':', '-')}-${index}-${Date.now()}`
          const log = join(dir, `${runId}.log`)
          writeFileSync(log, '')
          const crashed = await child(script, [backend.name, target, runId, point, log])
          expect(crashed.signal, crashed.stderr).toBe('SIGKILL')

          const { reviews, result } = await resumeToEnd(storage, runId, log)
          figures.runs++
          expect(result.status).toBe('completed')
          figures.completed++
          expect((await storage.runs.get(runId))?.status).toBe('completed')
          // The state was saved incrementally: part of it in a part of the run.
          expect((await storage.runs.load(runId))?.parts.length).toBeGreaterThanOrEqual(1)

          const executions = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean)
          const count = (id: string) => executions.filter((line) => line === id).length
          // Not idempotent: never run twice (an interruption is reviewed instead).
          expect(count('a'), executions.join(',')).toBeLessThanOrEqual(1)
          expect(count('c'), executions.join(',')).toBeLessThanOrEqual(1)
          // A non-idempotent node's start is saved before its hooks and handler run: killed anywhere
          // between that save and the save of its end, it is reviewed, never silently run again.
          const interrupted = /^(before|during|after):[ac]$/.test(point)
          expect(reviews).toEqual(interrupted ? [point.slice(-1)] : [])
          // The idempotent node runs again only when the crash came before its end was saved.
          expect(count('b')).toBe(point === 'during:b' || point === 'after:b' ? 2 : 1)

          const events = await storage.runs.readEvents(runId)
          expect(events.map((event) => event.seq)).toEqual(events.map((_, at) => at + 1))
          const completed = events.flatMap((event) =>
            event.type === 'node.end' && event.status === 'completed' ? [event.nodeId] : [],
          )
          const twice = completed.filter((id, at) => completed.indexOf(id) !== at)
          figures.duplicates += twice.length
          expect(twice, completed.join(',')).toEqual([])
          expect([...completed].sort()).toEqual(['a', 'approve', 'b', 'c', 'end', 'start'])
          expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
          const a = interrupted && point.endsWith('a') ? 'a reviewed' : 'a 42'
          const c = interrupted && point.endsWith('c') ? 'c reviewed' : 'c true'
          expect(result.output).toEqual([a, 'b', c])
        }
      },
    )
  })
}
