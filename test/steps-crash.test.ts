import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { root } from './support/build.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-steps-crash-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const order = ['fetch', 'transform', 'load', 'notify']

/** Runs test/support/steps-crash-child.ts in a fresh Node process. */
function child(
  env: Record<string, string>,
): Promise<{ signal: string | null; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const running = spawn(process.execPath, ['--import', 'tsx', 'test/support/steps-crash-child.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    running.stdout.on('data', (chunk) => (stdout += chunk))
    running.stderr.on('data', (chunk) => (stderr += chunk))
    running.on('error', reject)
    running.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

describe('durable steps across a real process crash (SQLite)', () => {
  it('a process killed with SIGKILL inside any step is resumed by a fresh process; no completed step runs twice', async () => {
    const envs = order.map((crashIn) => ({
      crashIn,
      DB: join(directory, `${crashIn}.db`),
      LOG: join(directory, `${crashIn}.log`),
    }))
    // The four crash points run in parallel: one process each, then one resuming process each.
    const crashed = await Promise.all(envs.map(({ crashIn, ...env }) => child({ ...env, CRASH_IN: crashIn })))
    for (const outcome of crashed) expect(outcome.signal).toBe('SIGKILL')
    const resumed = await Promise.all(envs.map(({ crashIn: _, ...env }) => child(env)))
    for (const [index, { crashIn, LOG }] of envs.entries()) {
      const outcome = resumed[index]
      expect(outcome?.stderr).toBe('')
      expect(outcome?.code).toBe(0)
      expect(JSON.parse(outcome?.stdout ?? '')).toMatchObject({
        status: 'completed',
        state: { items: ['a', 'b'], total: 2 },
        results: { fetch: 2, transform: ['A', 'B'], notify: 'sent' },
        skipped: order.slice(0, order.indexOf(crashIn)),
      })
      // every step ran once, except the one the crash interrupted, which ran again on resume
      const cut = order.indexOf(crashIn)
      expect(readFileSync(LOG, 'utf8').trim().split('\n')).toEqual([
        ...order.slice(0, cut + 1),
        ...order.slice(cut),
      ])
    }
  })
})
