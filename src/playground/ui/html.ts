/**
 * `html\`...\``: Preact elements from tagged templates (htm), no build step for JSX and no
 * `eval`, so the page runs under `default-src 'self'`.
 *
 * @module
 */
import { html } from 'htm/preact'

/** Tagged template producing Preact elements (htm bound to Preact's `h`). */
export { html }

/** Milliseconds as `850 ms` or `1.3 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '…'
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

/** A time as the reader's locale shows it. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleString()
}

/** JSON, indented, for `<pre>`. */
export function pretty(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2)
    } catch {
      return value
    }
  }
  return JSON.stringify(value, null, 2) ?? String(value)
}
