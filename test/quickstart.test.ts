import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/quickstart.ts (npm start)', () => {
  it('runs the agent end to end, streaming readable events', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    const lines = child.stdout.split('\n')
    expect(lines[0]).toMatch(/^Using the scripted model/)
    expect(child.stdout).toMatch(/⚙ current_time\(\{"timeZone":"Asia\/Tokyo"\}\)/)
    expect(child.stdout).toMatch(/✓ add → 42/)
    expect(child.stdout).toMatch(/✓ count_words → \{"words":5\}/)
    expect(child.stdout).toMatch(/■ completed after 2 turns · 2 model calls, 3 tool calls/)
    expect(child.stdout).toMatch(
      /Final output: In Tokyo it is .+ The sum is 42, and the phrase has 5 words\./,
    )
  }, 60_000)
})
