import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { root } from './build.js'
import { serviceSkipReason } from './services.js'

/**
 * Real crashes: a child process runs a durable agent and kills itself with SIGKILL at each crash
 * point; a fresh process resumes the run to completion. The non-idempotent `charge` tool must never
 * run twice.
 */
const crashPoints = [
  'during-model',
  'after-model',
  'during-idempotent-tool',
  'before-tool',
  'during-tool',
  'after-tool',
  'after-final',
] as const

function child(
  args: string[],
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-child.ts', ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    process_.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    process_.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    process_.on('error', reject)
    process_.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

export interface CrashBackend {
  name: string
  /** Where the child stores the runs (a file path, or a URL with `#schema` / `#prefix`). */
  target: (dir: string) => string
  service?: 'PostgreSQL' | 'Redis'
  cleanUp?: () => Promise<void>
}

export function crashSuite(backend: CrashBackend): void {
  describe(`crash and resume on ${backend.name} (real processes, SIGKILL)`, () => {
    const dir = mkdtempSync(join(tmpdir(), `agentloop-crash-${backend.name}-`))
    const target = backend.target(dir)
    let skip: string | undefined
    beforeAll(async () => {
      if (backend.service !== undefined) skip = await serviceSkipReason(backend.service)
    })
    afterAll(async () => {
      if (skip === undefined) await backend.cleanUp?.()
    })

    it.for(crashPoints)(
      'resumes a run killed %s to completion; charge never runs twice',
      async (point, context) => {
        if (skip !== undefined) context.skip(skip)
        const runId = `crash-${point}-${Date.now()}`
        const log = join(dir, `${runId}.log`)
        writeFileSync(log, '')
        const crashed = await child([backend.name, target, 'start', runId, point, log])
        expect(crashed.signal, crashed.stderr).toBe('SIGKILL')

        const resumed = await child([backend.name, target, 'resume', runId, '-', log])
        expect(resumed.stderr).toBe('')
        expect(resumed.code).toBe(0)
        const lines = resumed.stdout.trim().split('\n')
        const final = JSON.parse(lines.at(-1) as string) as { status: string; output: string }
        expect(final.status).toBe('completed')

        const executions = readFileSync(log, 'utf8').trim().split('\n')
        const charges = executions.filter((line) => line.startsWith('charge'))
        expect(charges.length, executions.join('\n')).toBeLessThanOrEqual(1)
        // Every attempt of a call carries the same idempotency key.
        for (const line of executions)
          expect(line).toMatch(new RegExp(`^(lookup ${runId}:call_lookup|charge ${runId}:call_charge)$`))
        if (point === 'during-tool' || point === 'after-tool') {
          // Interrupted mid-charge: a review, never a silent second charge.
          expect(lines[0]).toBe('{"review":["charge"]}')
          expect(final.output).toBe(
            'Step 3. price 42 + The user did not approve this call of tool "charge"; it was not run. Interrupted; check the payment provider before retrying.',
          )
        } else {
          expect(charges).toHaveLength(1)
          expect(final.output).toBe('Step 3. price 42 + charged 42')
        }
        if (point === 'during-idempotent-tool') {
          expect(executions.filter((line) => line.startsWith('lookup'))).toHaveLength(2)
        }
      },
    )
  })
}
