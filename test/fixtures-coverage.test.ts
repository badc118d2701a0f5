import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

function files(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(directory, entry.name)) : [join(directory, entry.name)],
  )
}

describe('recorded provider fixtures', () => {
  it('are all replayed by some adapter test, and keep their attribution README', () => {
    const fixtures = `${root}/test/__fixtures__/providers`
    const tests = files(`${root}/src/providers`)
      .filter((file) => file.endsWith('.test.ts'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n')
    const all = files(fixtures).map((file) => relative(fixtures, file))
    expect(all).toContain('README.md')
    expect(readFileSync(`${fixtures}/README.md`, 'utf8')).toMatch(/Licenses and attribution/)
    const recordings = all.filter((name) => name !== 'README.md')
    expect(recordings).toHaveLength(40)
    const unused = recordings.filter((name) => !tests.includes(name))
    expect(unused).toEqual([])
  })
})
