import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { root } from './support/build.js'

interface Snippet {
  document: string
  position: number
  line: number
  code: string
}
interface SnippetTools {
  writeSnippets(): Snippet[]
  snippetFile(snippet: Snippet): string
  documents(): string[]
}

// A variable specifier: scripts/doc-snippets.mjs is plain JavaScript run by Node.
const toolsPath = pathToFileURL(join(root, 'scripts/doc-snippets.mjs')).href
let tools: SnippetTools
let snippets: Snippet[]

beforeAll(async () => {
  tools = (await import(/* @vite-ignore */ toolsPath)) as SnippetTools
  snippets = tools.writeSnippets()
})

describe('the code in README.md and docs/', () => {
  it('type-checks, every block of every document', () => {
    expect(tools.documents()).toContain('docs/storage.md')
    expect(snippets.length).toBeGreaterThanOrEqual(17)
    for (const document of ['README.md', 'docs/context.md', 'docs/testing.md'])
      expect(snippets.some((snippet) => snippet.document === document)).toBe(true)
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.docs.json', '--noEmit'],
      { cwd: root, encoding: 'utf8' },
    )
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  }, 120_000)

  it('runs the README tour, and its stream part prints the streamed answer', () => {
    const tour = snippets.find((snippet) => snippet.document === 'README.md' && snippet.position === 1)
    expect(tour?.code).toContain('stream(agent')
    const file = join(root, (tour && tools.snippetFile(tour)) ?? '')
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' })
    expect(stdout).toBe('5\nHello! Ask me to add numbers.')
  }, 60_000)

  it('runs the self-contained examples of docs/testing.md (scripted model, fake provider server)', () => {
    const blocks = snippets.filter((snippet) => snippet.document === 'docs/testing.md')
    expect(blocks.length).toBe(2)
    for (const block of blocks) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, tools.snippetFile(block))], {
        cwd: root,
        encoding: 'utf8',
      })
      expect(child.stderr).toBe('')
      expect(child.status).toBe(0)
    }
  }, 120_000)

  it('has no stale promises about features that exist', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    expect(readme).not.toMatch(/needsApproval[^\n]*later release/)
    expect(readme).toMatch(/needsApproval.*pauses the run/s)
  })
})
