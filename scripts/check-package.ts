/**
 * `npm run check:package` (after `npm run build`): the checks a publish needs, on the tarball npm
 * would publish, fast enough for every CI run.
 *
 * 1. A release tag on this commit (CI's `GITHUB_REF`, or a `v*` tag on HEAD) names the version in
 *    package.json.
 * 2. `publint` (strict: warnings fail too) on the packed tarball: every `exports` target exists in
 *    it, formats and conditions are right, nothing needed is left out of `files`.
 * 3. `@arethetypeswrong/cli` on the same tarball: the types of every entry point resolve, under
 *    Node 16+ ESM resolution and bundlers (profile `esm-only`: the package is ESM only).
 *
 * Offline: the tarball is made locally and `--no-definitely-typed` keeps attw off the registry.
 *
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { checkReleaseTag, findReleaseTag } from './release-tag.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)

/** What one check found: `ok`, and lines for the reader. */
export interface CheckOutcome {
  ok: boolean
  lines: string[]
}

/** Packs the package in `packageDir` into `destination` (no lifecycle scripts) and returns the tarball's path. */
export function packTarball(options: { packageDir: string; destination: string }): string {
  const output = execFileSync(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', options.destination],
    { cwd: options.packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const [packed] = JSON.parse(output) as { filename: string }[]
  if (packed === undefined)
    throw new Error(`npm pack in ${options.packageDir} reported no tarball: ${output}`)
  return join(options.destination, packed.filename)
}

/** publint on a tarball, strict: any error or warning fails; suggestions are printed. */
export async function lintTarball(tarball: string): Promise<CheckOutcome> {
  const data = readFileSync(tarball)
  const arrayBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer
  const { messages, pkg } = await publint({ pack: { tarball: arrayBuffer }, strict: true })
  const lines = messages.map(
    (message) => `publint ${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`,
  )
  return { ok: messages.every((message) => message.type === 'suggestion'), lines }
}

/**
 * `attw` on a tarball: the types of every entry point must resolve (ESM-only profile), and the
 * package must have types at all.
 */
export function checkTypesResolve(tarball: string): CheckOutcome {
  // The CLI's bin, found through its package.json (the only export that leads to it).
  const cli = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js')
  const child = spawnSync(
    process.execPath,
    [cli, tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color'],
    { encoding: 'utf8' },
  )
  const output = `${child.stdout}${child.stderr}`.trimEnd()
  // attw passes a package with no types at all; ours must have them, so that is a failure here.
  const untyped = output.includes('This package does not contain types')
  return { ok: child.status === 0 && !untyped, lines: output.split('\n') }
}

/** Runs every check on this package; resolves `true` when all pass. */
export async function checkPackage(): Promise<boolean> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  let tagsAtHead: string[] = []
  try {
    tagsAtHead = execFileSync('git', ['tag', '--points-at', 'HEAD'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '')
  } catch {
    // Not a git checkout (an unpacked source tarball): only GITHUB_REF can name a release.
  }
  const tag = checkReleaseTag({
    tag: findReleaseTag({ env: process.env, tagsAtHead }),
    version: manifest.version,
  })
  console.log(`release tag: ${tag.message}`)

  const destination = mkdtempSync(join(tmpdir(), 'agentloop-pack-'))
  try {
    const tarball = packTarball({ packageDir: root, destination })
    const lint = await lintTarball(tarball)
    console.log(lint.ok ? 'publint: no errors or warnings' : 'publint: FAILED')
    for (const line of lint.lines) console.log(`  ${line}`)
    const types = checkTypesResolve(tarball)
    console.log(types.ok ? 'attw: the types of every entry point resolve' : 'attw: FAILED')
    for (const line of types.lines) console.log(`  ${line}`)
    return tag.ok && lint.ok && types.ok
  } finally {
    rmSync(destination, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!(await checkPackage())) {
    console.error('check:package failed: fix the problems above before publishing.')
    process.exitCode = 1
  }
}
