import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkTypesResolve, lintTarball, packTarball } from './check-package.js'

const work = mkdtempSync(join(tmpdir(), 'agentloop-check-package-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/**
 * Packs an ESM package with a root and a `./sub` entry point. `missingTypes` leaves out the
 * declarations of those entry points while their `exports` still name them.
 */
function packSample(name: string, missingTypes: ('index' | 'sub')[] = []): string {
  const packageDir = join(work, name)
  mkdirSync(join(packageDir, 'dist'), { recursive: true })
  const entry = (file: string) => ({ types: `./dist/${file}.d.ts`, import: `./dist/${file}.js` })
  writeFileSync(
    join(packageDir, 'package.json'),
    JSON.stringify({
      name,
      version: '1.0.0',
      license: 'MIT',
      type: 'module',
      files: ['dist'],
      exports: { '.': entry('index'), './sub': entry('sub') },
    }),
  )
  for (const file of ['index', 'sub'] as const) {
    writeFileSync(join(packageDir, `dist/${file}.js`), 'export const answer = 42\n')
    if (!missingTypes.includes(file)) {
      writeFileSync(join(packageDir, `dist/${file}.d.ts`), 'export declare const answer: number\n')
    }
  }
  return packTarball({ packageDir, destination: work })
}

// Each case packs a package and runs attw (which loads its own TypeScript): seconds, not milliseconds.
describe('the package checks', { timeout: 60_000 }, () => {
  it('pass a package whose entry points ship their code and types', async () => {
    const tarball = packSample('sample-good')
    const lint = await lintTarball(tarball)
    expect(lint.lines.filter((line) => !line.startsWith('publint suggestion'))).toEqual([])
    expect(lint.ok).toBe(true)
    expect(checkTypesResolve(tarball).ok).toBe(true)
  })

  it('fail a package whose exports name a declaration missing from the tarball, saying which', async () => {
    const tarball = packSample('sample-broken', ['sub'])
    const lint = await lintTarball(tarball)
    expect(lint.ok).toBe(false)
    expect(lint.lines.join('\n')).toMatch(/publint error: .*dist\/sub\.d\.ts/)
    const types = checkTypesResolve(tarball)
    expect(types.ok).toBe(false)
    expect(types.lines.join('\n')).toMatch(/"sample-broken\/sub"[\s\S]*No types/)
  })

  it('fail a package without any types, which attw alone lets through', () => {
    const types = checkTypesResolve(packSample('sample-untyped', ['index', 'sub']))
    expect(types.ok).toBe(false)
    expect(types.lines.join('\n')).toMatch(/does not contain types/)
  })
})
