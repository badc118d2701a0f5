import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

/** The project's Markdown pages: the README, the contributor pages and docs/. */
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
]

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-')
}

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '')
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => anchorOf(match[1] ?? '')))
}

// The README links into the repository with absolute URLs (it is also shown on the npm registry,
// without the repository around it); those are checked as the files they name.
const REPOSITORY_FILES = 'https://github.com/agentloop/agentloop/blob/main/'

describe('the documentation', () => {
  it('links only to files and headings that exist in the repository', () => {
    const broken: string[] = []
    for (const page of pages) {
      const text = readFileSync(join(root, page), 'utf8').replace(/```[\s\S]*?```/g, '')
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const linked = match[1] ?? ''
        const inRepository = linked.startsWith(REPOSITORY_FILES)
        const target = inRepository ? linked.slice(REPOSITORY_FILES.length) : linked
        if (!inRepository && /^[a-z]+:/i.test(target)) continue // http(s), mailto: not checked offline
        const [file = '', anchor] = target.split('#')
        const path = file === '' ? join(root, page) : join(root, inRepository ? '' : dirname(page), file)
        if (!existsSync(path)) {
          broken.push(`${page}: ${target} (no file ${relative(root, path)})`)
        } else if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(path).has(anchor)) {
          broken.push(`${page}: ${target} (no heading #${anchor})`)
        }
      }
    }
    expect(broken).toEqual([])
  })

  it('points readers at pages inside the repository, never at the development workspace', () => {
    for (const page of pages)
      expect(readFileSync(join(root, page), 'utf8'), page).not.toMatch(/\.\.\/shared\//)
  })

  it('indexes every docs page and is linked from the README', () => {
    const index = readFileSync(join(root, 'docs/README.md'), 'utf8')
    for (const page of pages.filter((name) => name.startsWith('docs/') && name !== 'docs/README.md')) {
      expect(index, page).toContain(`(${page.slice('docs/'.length)})`)
    }
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    for (const page of ['docs/README.md', 'docs/architecture.md', 'CONTRIBUTING.md', 'SECURITY.md']) {
      expect(readme, page).toContain(`(${REPOSITORY_FILES}${page})`)
    }
  })
})
