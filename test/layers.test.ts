import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { root } from './support/build.js'

interface Layer {
  name: string
  folders: string[]
}
interface LayerTable {
  layers: Layer[]
  layerOverrides(): unknown[]
  otherOverrides: unknown[]
}

// A variable specifier: scripts/layers.mjs is plain JavaScript run by Node, not part of the typed sources.
const tablePath = pathToFileURL(join(root, 'scripts/layers.mjs')).href
let table: LayerTable

beforeAll(async () => {
  table = (await import(/* @vite-ignore */ tablePath)) as LayerTable
})

describe('the layer rules', () => {
  it('in biome.json are the ones generated from the table in scripts/layers.mjs (run it after editing the table)', () => {
    const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'))
    expect(config.overrides).toEqual([...table.layerOverrides(), ...table.otherOverrides])
  })

  describe('as Biome applies them', () => {
    let workspace: string
    const probes: { file: string; target: string; allowed: boolean }[] = []

    beforeAll(() => {
      // Probe modules in a scratch copy of the layout: each imports one folder of another layer.
      workspace = mkdtempSync(join(tmpdir(), 'agentloop-layers-'))
      writeFileSync(join(workspace, 'biome.json'), readFileSync(join(root, 'biome.json')))
      table.layers.forEach((layer, index) => {
        for (const from of layer.folders) {
          table.layers.forEach((other, otherIndex) => {
            for (const to of other.folders) {
              if (to === from || to.startsWith(`${from}/`) || from.startsWith(`${to}/`)) continue
              const file = `src/${from}/probe-${to.replaceAll('/', '-')}.ts`
              const specifier = relative(dirname(file), `src/${to}/module.js`)
              const source = `import { value } from '${specifier.startsWith('.') ? specifier : `./${specifier}`}'\nexport const copy = value\n`
              mkdirSync(join(workspace, dirname(file)), { recursive: true })
              writeFileSync(join(workspace, file), source)
              probes.push({ file, target: to, allowed: otherIndex <= index })
            }
          })
        }
      })
    })
    afterAll(() => rmSync(workspace, { recursive: true, force: true }))

    it('let every layer import its own and lower layers, and nothing above', () => {
      let output = ''
      try {
        output = execFileSync(
          join(root, 'node_modules/.bin/biome'),
          ['lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=none', 'src'],
          { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        )
      } catch (error) {
        output = (error as { stdout: string }).stdout
      }
      const report = JSON.parse(output) as {
        diagnostics: { category: string; location: { path: unknown } }[]
      }
      const flagged = new Set(
        report.diagnostics
          .filter((diagnostic) => diagnostic.category === 'lint/style/noRestrictedImports')
          .map((diagnostic) => {
            const path = diagnostic.location.path
            return typeof path === 'string' ? path : (path as { file: string }).file
          }),
      )
      const wrong = probes
        .filter((probe) => flagged.has(probe.file) === probe.allowed)
        .map(
          (probe) =>
            `${probe.file} -> ${probe.target}: ${probe.allowed ? 'flagged but allowed' : 'allowed but above'}`,
        )
      expect(wrong).toEqual([])
      expect(probes.filter((probe) => !probe.allowed).length).toBeGreaterThan(50)
    }, 60_000)
  })
})
