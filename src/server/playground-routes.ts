/**
 * The web playground: `GET /playground` (a page with no inline script or style), its bundled
 * script and stylesheet, and `GET /` redirecting to it. Every answer carries a strict
 * Content-Security-Policy (`default-src 'self'`), so the page runs only the server's own files.
 * The page holds no secret: it asks for an API key and calls the same authenticated `/api` routes
 * as any client.
 *
 * @module
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { type PlaygroundFile, playgroundAssets } from './playground-assets.js'
import type { ServerEnv } from './server-env.js'

/** The policy of the playground's answers: its own files only, no inline code, no framing. */
export const PLAYGROUND_CSP =
  "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'none'"

/** The paths this file serves (outside the OpenAPI document). */
export const PLAYGROUND_PATHS = ['/', '/playground', '/playground/app.js', '/playground/app.css'] as const

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentloop playground</title><link rel="stylesheet" href="/playground/app.css"></head>
<body><div id="app"><p class="boot">Loading the playground…</p></div>
<noscript>The playground needs JavaScript. The API is documented at <a href="/docs">/docs</a>.</noscript>
<script type="module" src="/playground/app.js"></script></body></html>`

/** Adds the playground's routes. */
export function registerPlaygroundRoutes(app: OpenAPIHono<ServerEnv>): void {
  app.get('/', (context) => context.redirect('/playground', 302))
  app.get('/playground', (context) => {
    context.header('Content-Security-Policy', PLAYGROUND_CSP)
    context.header('Cache-Control', 'no-cache')
    return context.html(PAGE)
  })
  app.get('/playground/app.js', async (context) =>
    serveFile(context, (await playgroundAssets()).script, 'text/javascript; charset=utf-8'),
  )
  app.get('/playground/app.css', async (context) =>
    serveFile(context, (await playgroundAssets()).style, 'text/css; charset=utf-8'),
  )
}

/** A file with its ETag: 304 when the browser has it already. */
function serveFile(context: Context<ServerEnv>, file: PlaygroundFile, type: string): Response {
  context.header('Content-Security-Policy', PLAYGROUND_CSP)
  context.header('Cache-Control', 'no-cache')
  context.header('ETag', file.etag)
  if (context.req.header('If-None-Match') === file.etag) return context.body(null, 304)
  context.header('Content-Type', type)
  return context.body(file.body)
}
