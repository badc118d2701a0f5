import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/triage.ts', () => {
  it('hands off to the billing specialist (which asks the policy agent as a tool) and to refunds', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/triage.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(child.stdout.trim().split('\n')).toEqual([
      'handoff: triage -> billing',
      'nested: policy completed',
      'answered by billing: Billing here. Invoices are due 30 days after issue; no late fee before day 45.',
      // triage 1, billing 2, policy 1
      'model calls: 4',
      'handoff: triage -> refunds',
      'answered by refunds: Refunds here. Refund of order A-42 issued.',
      'model calls: 3',
    ])
  }, 60_000)
})
