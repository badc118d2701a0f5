// The layers of src/ (DESIGN.md section 2), lowest first: a module may import from its own layer
// and the layers below, never above. This table is the one source of the rules: `node
// scripts/layers.mjs` writes them into biome.json as `noRestrictedImports` overrides, and
// test/layers.test.ts fails when biome.json and the table disagree.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Each layer: a name for messages, and its folders under src/ (nested folders split a parent). */
export const layers = [
  { name: 'layer 0 (util)', folders: ['util'] },
  { name: 'layer 1 (errors, messages, model, events)', folders: ['errors', 'messages', 'model', 'events'] },
  {
    name: 'layer 2 (tool, context, hooks, storage interfaces and the memory backend, cache, knowledge)',
    folders: ['tool', 'context', 'hooks', 'storage', 'cache', 'knowledge'],
  },
  {
    name: 'layer 3 (agent, run, steps, functions, workflows)',
    folders: ['agent', 'run', 'steps', 'functions', 'workflows'],
  },
  {
    name: 'layer 4 (adapters: providers, storage backends, sandbox, queue and bus backends, otel, mcp)',
    folders: [
      'providers',
      'storage/sqlite',
      'storage/postgres',
      'storage/redis',
      'storage/file',
      'sandbox',
      'queue',
      'otel',
      'mcp',
    ],
  },
  { name: 'layer 5 (testing: test doubles and conformance suites)', folders: ['testing'] },
  { name: 'layer 6 (server, cli, config, playground)', folders: ['server', 'cli', 'config', 'playground'] },
]

/** Overrides that are not layer rules, kept after them in biome.json. */
export const otherOverrides = [
  {
    // `${...}` in plain strings is the workflow template syntax, not a forgotten template literal
    includes: [
      'src/workflows/**',
      'examples/workflow*.ts',
      'bench/workflow.ts',
      'test/workflow*.ts',
      'test/support/workflow*.ts',
    ],
    linter: { rules: { suspicious: { noTemplateCurlyInString: 'off' } } },
  },
]

/** Import specifiers that reach a folder: by any path, or relative from a sibling or a child. */
function patternsFor(folder) {
  const last = folder.split('/').at(-1)
  return folder.includes('/')
    ? [`**/${last}/**`, `../${last}/*`, `./${last}/*`]
    : [`**/${folder}/**`, `../${folder}/*`]
}

/** The Biome overrides the table stands for. */
export function layerOverrides() {
  return layers.slice(0, -1).map((layer, index) => {
    const higher = layers.slice(index + 1).flatMap((above) => above.folders)
    // A folder of this layer may contain folders of higher layers (storage/sqlite in storage).
    const nestedAbove = higher.filter((folder) => layer.folders.some((own) => folder.startsWith(`${own}/`)))
    return {
      includes: [
        ...layer.folders.map((folder) => `src/${folder}/**`),
        ...nestedAbove.map((folder) => `!src/${folder}/**`),
        '!src/**/*.test.ts',
        '!src/**/*.test-d.ts',
      ],
      linter: {
        rules: {
          style: {
            noRestrictedImports: {
              level: 'error',
              options: {
                paths: {
                  agentloop:
                    'Inside the package import a module by its relative path, not through the package name.',
                },
                patterns: [
                  {
                    group: [
                      ...higher.flatMap((folder) => patternsFor(folder).slice(0, 1)),
                      ...higher.flatMap((folder) => patternsFor(folder).slice(1)),
                    ],
                    message: `Layer rule: ${layer.name} may only import from its own or lower layers (see DESIGN.md section 2 and scripts/layers.mjs). Move the shared piece down a layer instead.`,
                  },
                ],
              },
            },
          },
        },
      },
    }
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL('../biome.json', import.meta.url)
  const config = JSON.parse(readFileSync(path, 'utf8'))
  config.overrides = [...layerOverrides(), ...otherOverrides]
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`)
  console.log(`biome.json: ${config.overrides.length} layer overrides written`)
}
