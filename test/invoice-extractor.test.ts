import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/invoice-extractor.ts', () => {
  it('rejects line items that do not add up, feeds the difference back, then reports a schema failure from fields', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/invoice-extractor.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    // The check fails on the first attempt; the model is told the difference; the second passes.
    expect(child.stdout).toContain(
      'attempt 1 rejected: The line items add up to 1600.00 but the total is 1845.50.',
    )
    expect(child.stdout).toContain('feedback sent: Your answer was rejected: check "itemsAddUp" failed:')
    expect(child.stdout).toMatch(/"description":"Travel expenses","amount":245\.5\}\]\} after 2 attempt\(s\)/)
    // The failure path with no retries: the schema issues, and "Attempts: 1/1" from the fields.
    expect(child.stdout).toContain(
      [
        "VALIDATION FAILED for 'Hello, please find our invoice of 3 March 2025 below.':",
        '  Error: date: use the ISO format YYYY-MM-DD; currency: use a three-letter ISO 4217 code such as EUR',
        '    - date: use the ISO format YYYY-MM-DD',
        '    - currency: use a three-letter ISO 4217 code such as EUR',
        '  Function: extract_invoice_once',
        '  Attempts: 1/1',
      ].join('\n'),
    )
  }, 60_000)
})
