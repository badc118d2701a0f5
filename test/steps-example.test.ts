import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/steps.ts', () => {
  it('fails in step count, then resumes from the checkpoint without fetching again', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/steps.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(child.stdout).toContain('failed in step "count" after 1 attempt(s)')
    expect(child.stdout).toContain('#10 step.skip fetch')
    expect(child.stdout).toContain('tides.txt: 16 words, 81 characters')
    expect(child.stdout).toContain('skipped: fetch - executed: count, report')
  })
})
