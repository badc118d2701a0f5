import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))
const CODE_FROM_TEXT = /\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]|node:vm|from\s+['"]vm['"]/

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !entry.name.includes('.test') ? [path] : []
  })
}

describe('the workflow engine runs no text as code', () => {
  it('has no eval, new Function or vm in src/workflows nor in the bundled jsep parser', () => {
    const files = sources(here)
    expect(files.length).toBeGreaterThan(10)
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toMatch(CODE_FROM_TEXT)
    const jsepDir = join(createRequire(import.meta.url).resolve('jsep'), '..', '..', '..')
    for (const file of ['dist/jsep.js', 'dist/cjs/jsep.cjs.js']) {
      expect(readFileSync(join(jsepDir, file), 'utf8'), file).not.toMatch(CODE_FROM_TEXT)
    }
  })
})
