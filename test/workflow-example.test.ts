import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/workflow.ts', () => {
  it('answers a routine ticket, pauses an urgent one for a person, and resumes it from the saved state', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/workflow.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    const lines = child.stdout.split('\n')
    expect(lines[0]).toBe('flowchart TD')
    expect(lines).toContain('  n2 -->|"true"| n4')
    expect(lines).toContain(
      'ticket 1: completed {"category":"billing","reply":"Thanks for reaching out. A billing question: My invoice shows the wrong address."}',
    )
    expect(lines).toContain(
      'ticket 2: awaiting_input: "Urgent billing ticket: Refund now or I call my lawyer, you charged me twice!"',
    )
    expect(lines).toContain(
      'ticket 2 resumed: completed {"category":"billing","reply":"We refunded the second charge; sorry for the trouble."}',
    )
    // The resumed run does not repeat the nodes completed before the pause.
    const resumed = lines.slice(lines.findIndex((line) => line.startsWith('ticket 2: awaiting_input')) + 1)
    expect(resumed.filter((line) => line.startsWith('  '))).toEqual([
      '  review: completed',
      '  end: completed',
    ])
  }, 60_000)
})
