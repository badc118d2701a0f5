import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build as bundle } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Runtime } from '../src/run/runtime.js'
import { createSqliteStorage } from '../src/storage/sqlite/index.js'
import type { Storage } from '../src/storage/storage.js'
import { root } from './support/build.js'
import { runChild } from './support/run-child.js'
import { TEAM_SAVE_POINTS, teamAgents } from './support/team-crash-agent.js'

/**
 * Real crashes of a multi-agent run: a child process runs triage -> (handoff) desk -> (agent tool)
 * researcher -> charge on SQLite and kills itself with SIGKILL right before or after each save
 * point of the caller and of the nested run, or inside `charge`. The test then resumes the run
 * to its end. Nothing completed is done again: the triage model is not called once the handoff's
 * model response is stored, the nested run is continued (not restarted) once it is stored, and
 * the non-idempotent `charge` never runs twice. TEAM_CRASH_RUNS runs per point (default 2).
 */
const points = [
  'during-charge',
  ...TEAM_SAVE_POINTS.flatMap((point) => [`before:${point}`, `after:${point}`]),
]
const order = (point: string) => points.indexOf(point)
/** Points where charge's start is stored without its result: the resume asks for a review. */
const reviewed = new Set(['during-charge', 'after:tool.start:child:1', 'before:tool.result:child:1'])
const RUNS = Number(process.env.TEAM_CRASH_RUNS ?? 2)

function child(script: string, args: string[]): Promise<{ signal: string | null; stderr: string }> {
  return runChild(script, args, root)
}

describe(`crash and resume of handoffs and nested agents on SQLite (SIGKILL, ${RUNS} runs per point)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentloop-team-crash-'))
  const path = join(dir, 'runs.sqlite')
  const script = join(root, 'node_modules', '.cache', `team-crash-child-${process.pid}.mjs`)
  let storage: Storage
  beforeAll(async () => {
    await bundle({
      entryPoints: [join(root, 'test/support/team-crash-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: script,
      logLevel: 'silent',
    })
    storage = createSqliteStorage({ path })
  }, 60_000)
  afterAll(async () => {
    await storage?.close()
    rmSync(dir, { recursive: true, force: true })
    rmSync(script, { force: true })
  })

  it.for(points)(
    'resumes a run killed at %s without repeating completed work',
    { timeout: 300_000 },
    async (point) => {
      for (let index = 0; index < RUNS; index++) {
        const runId = `team-${point}-${index}-${Date.now()}`
        const log = join(dir, `${runId}.log`)
        writeFileSync(log, '')
        const crashed = await child(script, [path, runId, point, log])
        expect(crashed.signal, crashed.stderr).toBe('SIGKILL')

        const triage = teamAgents({ log, die: () => {} })
        const runtime = new Runtime({ storage, agents: [triage] })
        let result =
          (await storage.runs.get(runId)) === null
            ? await runtime.run(triage, 'Research it.', { runId })
            : await runtime.resume(runId)
        const reviews: string[] = []
        for (let round = 0; round < 3 && result.status !== 'completed'; round++) {
          reviews.push(
            ...result.interruptions.map((entry) => `${entry.agent}:${entry.toolName}:${entry.callId}`),
          )
          result = await runtime.resume(runId, {
            approvals: result.interruptions.map((entry) => ({
              callId: entry.callId,
              approve: false,
              message: 'check it',
            })),
          })
        }
        expect(result).toMatchObject({ status: 'completed', lastAgent: 'desk' })
        expect(result.usage.modelCalls).toBe(5)

        const lines = readFileSync(log, 'utf8').trim().split('\n')
        const count = (line: string) => lines.filter((entry) => entry === line).length
        const charges = lines.filter((line) => line.startsWith('charge'))
        // At most once, always with the same idempotency key; once exactly unless the crash hit it.
        expect(charges.length, lines.join('\n')).toBeLessThanOrEqual(1)
        for (const line of charges) expect(line).toBe(`charge ${runId}/r1:c1`)
        if (reviewed.has(point)) {
          expect(reviews).toEqual(['researcher:charge:r1/c1'])
          expect(result.output).toMatch(/^desk: report \(The user did not approve this call of tool "charge"/)
        } else {
          expect(reviews).toEqual([])
          expect(charges).toHaveLength(1)
          expect(result.output).toBe('desk: report (charged 42)')
        }
        // Once triage's handoff call is stored, triage's model is not called again.
        if (order(point) >= order('after:model:parent:1')) expect(count('model triage')).toBe(1)
        // Once the nested run is stored as completed, it is not run again.
        if (order(point) >= order('after:end:child:1')) expect(count('model researcher')).toBe(2)
        // The caller's stored log: seq 1, 2, 3... with no gap or repeat, one handoff, ending with run.end.
        const events = await storage.runs.readEvents(runId)
        expect(events.map((event) => event.seq)).toEqual(events.map((_, position) => position + 1))
        expect(events.filter((event) => event.type === 'agent.handoff')).toHaveLength(1)
        expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
      }
    },
  )
})
