/**
 * Where the server gets the playground's files: `dist/playground/app.js` and `app.css` when it
 * runs from the build, or an in-memory esbuild bundle when it runs from source (tests, `tsx`),
 * made once per process on the first request.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { PlaygroundBundle } from './playground-bundle.js'

/** A file ready to serve, with its validator. */
export interface PlaygroundFile {
  body: string
  etag: string
}

/** The playground's files, ready to serve. */
export interface PlaygroundAssets {
  script: PlaygroundFile
  style: PlaygroundFile
}

let cached: Promise<PlaygroundAssets> | undefined

/** The playground's files (built once; a failure is not cached, so the next request tries again). */
export function playgroundAssets(): Promise<PlaygroundAssets> {
  cached ??= load().catch((error: unknown) => {
    cached = undefined
    throw error
  })
  return cached
}

async function load(): Promise<PlaygroundAssets> {
  const bundle = await (import.meta.url.endsWith('.ts') ? fromSource() : fromBuild(import.meta.url))
  return { script: withEtag(bundle.script), style: withEtag(bundle.style) }
}

async function fromSource(): Promise<PlaygroundBundle> {
  const { bundlePlayground } = await import('./playground-bundle.js')
  return bundlePlayground()
}

/**
 * `dist/playground/`, seen from this code's place in the build: `dist/server/` (unbundled), the
 * entry `dist/server/index.js` or a shared chunk in `dist/chunks/`.
 */
async function fromBuild(here: string): Promise<PlaygroundBundle> {
  const folder = ['../playground/', './playground/']
    .map((path) => new URL(path, here))
    .find((url) => existsSync(fileURLToPath(new URL('app.js', url))))
  if (folder === undefined) {
    throw new Error(
      `The playground's files are missing (dist/playground/app.js next to ${fileURLToPath(here)}): build the package with npm run build.`,
    )
  }
  const [script, style] = await Promise.all([
    readFile(new URL('app.js', folder), 'utf8'),
    readFile(new URL('app.css', folder), 'utf8'),
  ])
  return { script, style }
}

function withEtag(body: string): PlaygroundFile {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
}
