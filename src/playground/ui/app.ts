/**
 * The playground's shell: a skip link, the navigation between the four screens, the API key
 * control, and the screen of the current route.
 *
 * @module
 */
import type { VNode } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { getApiKey, UNAUTHORIZED_EVENT } from './api.js'
import { ChatScreen } from './chat-screen.js'
import { html } from './html.js'
import { KeyForm } from './key-form.js'
import { type Screen, useRoute } from './router.js'
import { RunInspector } from './run-inspector.js'
import { RunsScreen } from './runs-screen.js'
import { SessionsScreen } from './sessions-screen.js'
import { WorkflowsScreen } from './workflows-screen.js'

const LINKS: { screen: Screen; label: string }[] = [
  { screen: 'chat', label: 'Chat' },
  { screen: 'sessions', label: 'Sessions' },
  { screen: 'runs', label: 'Runs' },
  { screen: 'workflows', label: 'Workflows' },
]

export function App() {
  const route = useRoute()
  const [asking, setAsking] = useState(false)
  const [hasKey, setHasKey] = useState(getApiKey() !== null)
  // Remounts the screen after a key change, so it loads again with the key.
  const [generation, setGeneration] = useState(0)

  useEffect(() => {
    const ask = () => setAsking(true)
    window.addEventListener(UNAUTHORIZED_EVENT, ask)
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, ask)
  }, [])

  const onKey = () => {
    setHasKey(getApiKey() !== null)
    setAsking(false)
    setGeneration((value) => value + 1)
  }

  let screen: VNode
  if (asking) screen = html`<${KeyForm} onDone=${onKey} />`
  else if (route.screen === 'chat')
    screen = html`<${ChatScreen} key=${`${generation}`} params=${route.params} />`
  else if (route.screen === 'sessions') screen = html`<${SessionsScreen} key=${`${generation}`} />`
  else if (route.screen === 'runs' && route.id !== undefined)
    screen = html`<${RunInspector} key=${`${generation}:${route.id}`} runId=${route.id} />`
  else if (route.screen === 'runs')
    screen = html`<${RunsScreen} key=${`${generation}`} params=${route.params} />`
  else
    screen = html`<${WorkflowsScreen}
      key=${`${generation}:${route.id ?? ''}`}
      name=${route.id}
      runId=${route.params.get('run') ?? undefined}
    />`

  return html`
    <a class="skip" href="#main" onClick=${(event: Event) => {
      event.preventDefault()
      document.getElementById('main')?.focus()
    }}>Skip to content</a>
    <header class="top">
      <span class="brand">agentloop <small>playground</small></span>
      <nav aria-label="Screens">
        ${LINKS.map(
          (link) =>
            html`<a href=${`#/${link.screen}`} aria-current=${route.screen === link.screen ? 'page' : undefined}>${link.label}</a>`,
        )}
      </nav>
      <button type="button" class="quiet" onClick=${() => setAsking(true)}>
        ${hasKey ? 'API key ✓' : 'Set API key'}
      </button>
    </header>
    <main id="main" tabindex="-1">${screen}</main>
  `
}
