import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/text-categorizer.ts', () => {
  it('categorizes, retries a rejected category with feedback, and answers in code mode', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/text-categorizer.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(child.stdout).toContain('-> {"category":"technical_support","confidence":0.92} after 1 attempt(s)')
    expect(child.stdout).toContain('-> {"category":"positive_feedback","confidence":0.85} after 2 attempt(s)')
    expect(child.stdout).toContain("attempt 1 rejected: Category 'awesome_feedback' is not valid.")
    expect(child.stdout).toContain('-> {"category":"billing_question","confidence":0.6} after 1 attempt(s)')
    expect(child.stdout).toContain('code run in the sandbox:')
    // The seed's final-failure printout, printed from the error's fields.
    expect(child.stdout).toContain(
      [
        "MAX RETRIES EXCEEDED for 'This is the best thing ever!!!':",
        "  Error: Category 'awesome_feedback' is not valid. Allowed: general_inquiry, technical_support, billing_question, positive_feedback",
        '  Function: categorize_text',
        '  Attempts: 4/4',
      ].join('\n'),
    )
  }, 60_000)
})
