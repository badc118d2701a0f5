import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/approval.ts', () => {
  it('pauses for approval, then a second runtime on the same SQLite file completes the run', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/approval.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(child.stdout.split('\n').slice(0, 3)).toEqual([
      'status: awaiting_approval',
      'waiting for approval: refund {"orderId":"A-42","amount":120}',
      'status: completed',
    ])
    expect(child.stdout).toMatch(/Done: Refunded 120 EUR on order A-42 \(idempotency key [\w-]+:call_1_0\)\./)
  }, 60_000)
})
