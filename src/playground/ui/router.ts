/**
 * Hash routes (`#/chat?agent=calc&session=...`, `#/runs/<id>`...): the server serves one page,
 * and a reload keeps the screen.
 *
 * @module
 */
import { useEffect, useState } from 'preact/hooks'

export type Screen = 'chat' | 'sessions' | 'runs' | 'workflows'
const SCREENS: readonly Screen[] = ['chat', 'sessions', 'runs', 'workflows']

export interface Route {
  screen: Screen
  /** The path segment after the screen (a run id, a workflow name). */
  id?: string
  params: URLSearchParams
}

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2)
  const [first = '', ...rest] = path.split('/')
  const screen = (SCREENS as readonly string[]).includes(first) ? (first as Screen) : 'chat'
  const id = rest.length === 0 || rest[0] === '' ? undefined : decodeURIComponent(rest.join('/'))
  return { screen, ...(id === undefined ? {} : { id }), params: new URLSearchParams(query) }
}

/** A hash for a screen, its id and parameters (undefined ones left out). */
export function hrefOf(screen: Screen, id?: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.set(name, value)
  const text = query.toString()
  return `#/${screen}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${text === '' ? '' : `?${text}`}`
}

export function navigate(hash: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) history.replaceState(null, '', hash)
  else location.hash = hash
  if (options.replace === true) window.dispatchEvent(new HashChangeEvent('hashchange'))
}

/** The current route, updated on `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash))
    window.addEventListener('hashchange', update)
    return () => window.removeEventListener('hashchange', update)
  }, [])
  return route
}
