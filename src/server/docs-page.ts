/**
 * `GET /docs`: a page that renders the OpenAPI document from `/openapi.json` with a small script
 * served by the server itself (no CDN, works offline and under `default-src 'self'`).
 *
 * @module
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { ServerEnv } from './server-env.js'

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentloop API</title><link rel="stylesheet" href="/docs/docs.css"></head>
<body><header><h1>agentloop API</h1><p>From <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authenticated routes need <code>Authorization: Bearer &lt;key&gt;</code>.</p></header>
<main id="operations" data-spec="/openapi.json"><p>Loading…</p></main>
<script type="module" src="/docs/docs.js"></script></body></html>`

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1b1b1b}
h2{border-bottom:1px solid #ddd;margin-top:2rem}details{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}pre{background:#f6f6f6;padding:.6rem;overflow:auto}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}.get{color:#0a6}.post{color:#06c}.delete{color:#c30}.put,.patch{color:#a60}`

const SCRIPT = `const main = document.getElementById('operations')
const text = (tag, content, className) => { const node = document.createElement(tag); node.textContent = content; if (className) node.className = className; return node }
const resolve = (spec, schema) => schema && schema.$ref ? spec.components.schemas[schema.$ref.split('/').pop()] : schema
const pretty = (value) => JSON.stringify(value, null, 2)
fetch(main.dataset.spec).then((response) => response.json()).then((spec) => {
  main.textContent = ''
  main.append(text('p', (spec.info.title || '') + ' ' + (spec.info.version || '')))
  const groups = new Map()
  for (const [path, item] of Object.entries(spec.paths)) for (const [method, operation] of Object.entries(item)) {
    const tag = (operation.tags && operation.tags[0]) || 'other'
    if (!groups.has(tag)) groups.set(tag, [])
    groups.get(tag).push({ path, method, operation })
  }
  for (const [tag, operations] of groups) {
    main.append(text('h2', tag))
    for (const { path, method, operation } of operations) {
      const details = document.createElement('details')
      const summary = document.createElement('summary')
      summary.append(text('span', method, 'method ' + method), text('code', path), text('span', ' ' + (operation.summary || '')))
      details.append(summary)
      if (operation.description) details.append(text('p', operation.description))
      for (const parameter of operation.parameters || []) details.append(text('p', parameter.in + ' ' + parameter.name + (parameter.required ? ' (required)' : '') + ': ' + pretty(parameter.schema)))
      const body = operation.requestBody && operation.requestBody.content['application/json']
      if (body) { details.append(text('h4', 'Request body')); details.append(text('pre', pretty(resolve(spec, body.schema)))) }
      details.append(text('h4', 'Responses'))
      for (const [status, response] of Object.entries(operation.responses || {})) details.append(text('p', status + ': ' + (response.description || '')))
      main.append(details)
    }
  }
}).catch((error) => { main.textContent = 'Could not load the API document: ' + error.message })`

/** Adds `/docs`, `/docs/docs.js` and `/docs/docs.css`. */
export function registerDocsPage(app: OpenAPIHono<ServerEnv>): void {
  app.get('/docs', (context) => {
    context.header('Content-Security-Policy', "default-src 'self'; style-src 'self'; script-src 'self'")
    return context.html(PAGE)
  })
  app.get('/docs/docs.js', (context) => {
    context.header('Content-Type', 'text/javascript; charset=utf-8')
    return context.body(SCRIPT)
  })
  app.get('/docs/docs.css', (context) => {
    context.header('Content-Type', 'text/css; charset=utf-8')
    return context.body(STYLE)
  })
}
