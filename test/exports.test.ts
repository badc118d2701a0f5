import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

// The public API, entry point by entry point: every exported name and its kind, committed in
// test/exports/public-api.txt. Adding, removing or changing an export changes that file, so it is
// always a deliberate diff (`npx vitest run test/exports.test.ts -u` rewrites it).

const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
  exports: Record<string, string | { import: string }>
}

/** Entry points as users import them (`agentloop`, `agentloop/openai`...) and their source files. */
const entryPoints = Object.entries(manifest.exports)
  .filter((entry): entry is [string, { import: string }] => typeof entry[1] === 'object')
  .map(([subpath, target]) => ({
    specifier: subpath === '.' ? 'agentloop' : `agentloop/${subpath.slice(2)}`,
    source: target.import.replace('./dist/', 'src/').replace(/\.js$/, '.ts'),
  }))

/** The type-only names an index file exports (`export type { A }` and `export { type A }`). */
function typeNames(source: string): string[] {
  const text = readFileSync(`${root}/${source}`, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')
  expect(text, `${source} must list its exports by name`).not.toMatch(/export \*/)
  const names: string[] = []
  for (const match of text.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const part of (match[2] ?? '').split(',')) {
      const name = part.trim()
      if (name === '') continue
      if (match[1] !== undefined) names.push(name.split(/\s+as\s+/).pop() as string)
      else if (name.startsWith('type '))
        names.push(
          name
            .slice(5)
            .split(/\s+as\s+/)
            .pop() as string,
        )
    }
  }
  return names
}

function kindOf(value: unknown): string {
  if (typeof value === 'function') {
    return /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function'
  }
  return value === null ? 'null' : typeof value
}

async function describeEntryPoint(specifier: string, source: string): Promise<string[]> {
  const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>
  const values = Object.keys(module).map((name) => `  ${name}: ${kindOf(module[name])}`)
  const types = typeNames(source).map((name) => `  ${name}: type`)
  return [specifier, ...[...values, ...types].sort((a, b) => a.localeCompare(b, 'en'))]
}

describe('the public API', () => {
  it('matches the committed list of names and kinds per entry point', async () => {
    const lines: string[] = []
    for (const { specifier, source } of entryPoints) {
      lines.push(...(await describeEntryPoint(specifier, source)), '')
    }
    await expect(lines.join('\n')).toMatchFileSnapshot('./exports/public-api.txt')
  })

  it('keeps the root to what users write code against: at most 45 values, no internals', async () => {
    const root = (await import('agentloop')) as Record<string, unknown>
    const values = Object.keys(root)
    expect(values.length).toBeLessThanOrEqual(45)
    const internals = [
      'createEventChannel',
      'counterFor',
      'TokenCounter',
      'storageDriverOf',
      'createStorage',
      'createResponseCollector',
      'toOpenAIChat',
      'fromOpenAIChat',
      'toAnthropic',
      'fromAnthropic',
      'estimateTokens',
      'openaiEncodingFor',
      'getDefaultRuntime',
      'parseJson',
      'addUsage',
      'emptyUsage',
    ]
    expect(values.filter((name) => internals.includes(name))).toEqual([])
  })

  it('moves the storage driver interface, test helpers and format converters to their subpaths', async () => {
    const storage = await import('agentloop/storage')
    expect(typeof storage.createStorage).toBe('function')
    expect(typeof storage.storageDriverOf).toBe('function')
    const openai = await import('agentloop/openai')
    expect(typeof openai.toOpenAIChat).toBe('function')
    expect(typeof openai.fromOpenAIChat).toBe('function')
    const anthropic = await import('agentloop/anthropic')
    expect(typeof anthropic.toAnthropic).toBe('function')
    const testing = await import('agentloop/testing')
    expect(typeof testing.scriptedModel).toBe('function')
    expect(typeof testing.createFakeProviderServer).toBe('function')
  })
})
