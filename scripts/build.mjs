// Builds dist/: type declarations with tsc, then one ESM bundle per public entry point with esbuild
// (shared code split into dist/chunks, so classes such as AgentLoopError exist once across
// subpaths). Bundling matters for start-up: Node loads one file per module, and the root entry is
// made of about 70 modules (cold import ~55 ms unbundled, ~15 ms bundled on the development machine).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

// Every export `./dist/<path>.js` comes from `src/<path>.ts`.
const entryPoints = Object.values(manifest.exports)
  .map((target) => (typeof target === 'object' ? target.import : undefined))
  .filter((path) => typeof path === 'string' && path.startsWith('./dist/'))
  .map((path) => path.replace('./dist/', 'src/').replace(/\.js$/, '.ts'))
// The sandbox's worker is started by file name, next to the sandbox module.
entryPoints.push('src/sandbox/sandbox-worker.ts')
// So is the thread of worker tools (`workerTool`), found from wherever the bundler put its caller.
entryPoints.push('src/tool/tool-worker.ts')
// The `agentloop` executable (package.json "bin").
entryPoints.push('src/cli/main.ts')

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
execFileSync(
  process.execPath,
  [
    'node_modules/typescript/bin/tsc',
    '-p',
    'tsconfig.build.json',
    '--emitDeclarationOnly',
    '--sourceMap',
    'false',
    // The published package ships dist/ only: maps would point at sources it does not contain.
    '--declarationMap',
    'false',
  ],
  { cwd: root, stdio: 'inherit' },
)
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: false,
  logLevel: 'warning',
})
// The playground's browser bundle (Preact + htm, one script and one stylesheet), served by
// agentloop/server from dist/playground/. The same function bundles it in memory when the server
// runs from source, so the two cannot differ.
const { tsImport } = await import('tsx/esm/api')
const { bundlePlayground } = await tsImport('../src/server/playground-bundle.ts', import.meta.url)
const playground = await bundlePlayground()
mkdirSync(new URL('../dist/playground', import.meta.url), { recursive: true })
writeFileSync(new URL('../dist/playground/app.js', import.meta.url), playground.script)
writeFileSync(new URL('../dist/playground/app.css', import.meta.url), playground.style)
