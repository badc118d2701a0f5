import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/text-summarizer.ts', () => {
  it('rejects a summary over the word limit, feeds the reason back, then reports a final failure from fields', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/text-summarizer.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    // The check fails on the first attempt; the model is told why; the second attempt passes.
    expect(child.stdout).toContain(
      'attempt 1 rejected: The summary has 38 words; the limit is 20. Shorten it.',
    )
    expect(child.stdout).toContain(
      'feedback sent: Your answer was rejected: check "withinWordLimit" failed: The summary has 38 words; the limit is 20. Shorten it.',
    )
    expect(child.stdout).toContain(
      '-> {"summary":"Revenue rose 12% on subscriptions; costs rose 5%; a Lisbon office opens next spring."',
    )
    // The failure path: every allowed attempt rejected.
    expect(child.stdout).toContain(
      [
        "MAX RETRIES EXCEEDED for 'The quarterly report shows revenue up 12...':",
        '  Error: The summary has 6 words; the limit is 5. Shorten it.',
        '  Function: summarize_text',
        '  Attempts: 2/2',
      ].join('\n'),
    )
  }, 60_000)
})
