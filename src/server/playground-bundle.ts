/**
 * Bundles the playground's browser code (`src/playground/ui/main.ts`, Preact + htm) with esbuild
 * into one script and one stylesheet. `scripts/build.mjs` writes them to `dist/playground/`; a
 * server running from source (tests, `tsx`) builds them on first request instead (esbuild is a
 * development dependency, loaded only then).
 *
 * @module
 */
import { fileURLToPath } from 'node:url'

/** The playground's static files. */
export interface PlaygroundBundle {
  script: string
  style: string
}

/** The entry of the browser code, seen from this file in `src/server/`. */
export const PLAYGROUND_ENTRY = new URL('../playground/ui/main.ts', import.meta.url)

const NOTICE =
  '/*! agentloop playground. Bundles preact (MIT, Copyright (c) 2015-present Jason Miller), htm (Apache-2.0, Copyright 2018 Google Inc.), eventsource-parser (MIT, Copyright (c) Espen Hovlandsdal). */'

/** Builds the bundle in memory: minified ES2022 for current browsers, no source map. */
export async function bundlePlayground(): Promise<PlaygroundBundle> {
  const { build } = await import('esbuild')
  const result = await build({
    entryPoints: { app: fileURLToPath(PLAYGROUND_ENTRY) },
    bundle: true,
    write: false,
    outdir: 'playground',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    // The bundled packages' notices, kept with the code that ships them.
    banner: { js: NOTICE },
    legalComments: 'none',
    logLevel: 'silent',
    // The browser code imports nothing of Node; a stray import fails the build here.
    external: [],
  })
  const output = (extension: string) => {
    const file = result.outputFiles.find((entry) => entry.path.endsWith(extension))
    if (file === undefined) throw new Error(`The playground bundle has no ${extension} output.`)
    return file.text
  }
  return { script: output('.js'), style: output('.css') }
}
