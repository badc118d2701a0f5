import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build as bundle } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Runtime } from '../../src/run/runtime.js'
import type { Storage } from '../../src/storage/storage.js'
import { root } from './build.js'
import { crashAgent, openCrashStorage } from './crash-agent.js'
import { runChild } from './run-child.js'
import { serviceSkipReason } from './services.js'

/**
 * Real crashes: a child process runs a durable agent and kills itself with SIGKILL at a crash
 * point; the test (another process) then resumes the run to its end, deciding as a human would
 * (approve an approval, reject a review). Every save point of the run's state machine is hit right
 * before and right after its write, besides points inside the model call and the tools. The
 * non-idempotent `charge` tool must never run twice. CRASH_RUNS runs per point (default 20).
 */
const crashPoints = [
  'during-model',
  'after-model',
  'during-idempotent-tool',
  'before-tool',
  'during-tool',
  'after-tool',
  'after-final',
  ...['start:1', 'model:1', 'tool.start:1', 'tool.result:1', 'model:2', 'tool.start:2', 'tool.result:2']
    .concat(['end:1', 'pause:1'])
    .flatMap((point) => [`before:${point}`, `after:${point}`]),
]

/** Points where charge's start is stored without its result: the resume asks for a review. */
const reviewed = new Set(['during-tool', 'after-tool', 'after:tool.start:2', 'before:tool.result:2'])

const RUNS = Number(process.env.CRASH_RUNS ?? 20)
/** Children started at once per backend file (the files themselves run in parallel). */
const CONCURRENCY = 3

function child(script: string, args: string[]): Promise<{ signal: string | null; stderr: string }> {
  return runChild(script, args, root)
}

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T)
    }),
  )
}

/** Resumes a crashed run to its end as a human would; returns the reviews asked for and the result. */
async function resumeToEnd(storage: Storage, runId: string, log: string, approval: boolean) {
  const agent = crashAgent({ log, die: () => {}, approval })
  const runtime = new Runtime({ storage, agents: [agent] })
  const reviews: string[] = []
  let result =
    (await storage.runs.get(runId)) === null
      ? await runtime.run(agent, 'Buy it.', { runId }) // killed before its first save: start again
      : await runtime.resume(runId)
  for (let round = 0; round < 4 && result.status !== 'completed'; round++) {
    const approve = result.status === 'awaiting_approval'
    if (!approve) reviews.push(...result.interruptions.map((entry) => entry.toolName))
    result = await runtime.resume(runId, {
      approvals: result.interruptions.map((entry) => ({
        callId: entry.callId,
        approve,
        ...(approve ? {} : { message: 'Interrupted; check the payment provider before retrying.' }),
      })),
    })
  }
  return { reviews, result }
}

export interface CrashBackend {
  name: string
  /** Where the child stores the runs (a file path, or a URL with `#schema` / `#prefix`). */
  target: (dir: string) => string
  service?: 'PostgreSQL' | 'Redis'
  cleanUp?: () => Promise<void>
}

export function crashSuite(backend: CrashBackend): void {
  describe(`crash and resume on ${backend.name} (real processes, SIGKILL, ${RUNS} runs per point)`, () => {
    const dir = mkdtempSync(join(tmpdir(), `agentloop-crash-${backend.name}-`))
    const target = backend.target(dir)
    // Inside the project, so the bundle's imports resolve from its node_modules.
    const script = join(root, 'node_modules', '.cache', `crash-child-${backend.name}-${process.pid}.mjs`)
    let skip: string | undefined
    let storage: Storage
    const figures = { runs: 0, ended: 0, duplicates: 0 }
    beforeAll(async () => {
      if (backend.service !== undefined) skip = await serviceSkipReason(backend.service)
      if (skip !== undefined) return
      // One bundle, so each child starts in tens of milliseconds instead of compiling TypeScript.
      await bundle({
        entryPoints: [join(root, 'test/support/crash-child.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        outfile: script,
        logLevel: 'silent',
      })
      storage = await openCrashStorage(backend.name, target)
    }, 60_000)
    afterAll(async () => {
      if (skip !== undefined) return
      console.log(
        `crash test on ${backend.name}: ${figures.ended}/${figures.runs} runs reached a final or paused state after a SIGKILL at one of ${crashPoints.length} points; duplicate executions of the non-idempotent tool: ${figures.duplicates}`,
      )
      await storage?.close()
      await backend.cleanUp?.()
      rmSync(dir, { recursive: true, force: true })
      rmSync(script, { force: true })
      // Closing a store and deleting thousands of run files took over 10 s under load (file store).
    }, 60_000)

    it.for(crashPoints)(
      'resumes runs killed at %s to completion; charge never runs twice',
      { timeout: 600_000 },
      async (point, context) => {
        if (skip !== undefined) context.skip(skip)
        const approval = point.includes(':pause:')
        const runIds = Array.from({ length: RUNS }, (_, index) => `crash-${point}-${index}-${Date.now()}`)
        await eachLimited(runIds, CONCURRENCY, async (runId) => {
          const log = join(dir, `${runId}.log`)
          writeFileSync(log, '')
          const crashed = await child(script, [backend.name, target, runId, point, log])
          expect(crashed.signal, crashed.stderr).toBe('SIGKILL')

          const { reviews, result } = await resumeToEnd(storage, runId, log, approval)
          figures.runs++
          if (result.status === 'completed') figures.ended++
          expect(result.status).toBe('completed')
          expect((await storage.runs.get(runId))?.status).toBe('completed')

          const executions = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean)
          const charges = executions.filter((line) => line.startsWith('charge'))
          if (charges.length > 1) figures.duplicates += charges.length - 1
          expect(charges.length, executions.join('\n')).toBeLessThanOrEqual(1)
          // Every attempt of a call carries the same idempotency key.
          for (const line of executions) {
            expect(line).toMatch(new RegExp(`^(lookup ${runId}:call_lookup|charge ${runId}:call_charge)$`))
          }
          if (reviewed.has(point)) {
            // Interrupted mid-charge: a review, never a silent second charge.
            expect(reviews).toEqual(['charge'])
            expect(result.output).toBe(
              'Step 3. price 42 + The user did not approve this call of tool "charge"; it was not run. Interrupted; check the payment provider before retrying.',
            )
          } else {
            expect(reviews).toEqual([])
            expect(charges).toHaveLength(1)
            expect(result.output).toBe('Step 3. price 42 + charged 42')
          }
          if (point === 'during-idempotent-tool') {
            expect(executions.filter((line) => line.startsWith('lookup'))).toHaveLength(2)
          }
          // The stored log: seq 1, 2, 3... with no gap or repeat, ending with run.end.
          const events = await storage.runs.readEvents(runId)
          expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
          expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
        })
      },
    )
  })
}
