/**
 * Asks for the API key once; it is kept in sessionStorage (this tab only, gone when it closes)
 * and sent as `Authorization: Bearer` by every call.
 *
 * @module
 */
import { useState } from 'preact/hooks'
import { ApiError, api, errorText, getApiKey, setApiKey } from './api.js'
import { html } from './html.js'

export function KeyForm(props: { onDone(): void }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const previous = getApiKey()
    setApiKey(key.trim())
    try {
      await api('/api/agents')
      props.onDone()
    } catch (failure) {
      setApiKey(previous)
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'The server refused this key.'
          : errorText(failure),
      )
    } finally {
      setBusy(false)
    }
  }

  return html`
    <section class="panel narrow" aria-labelledby="key-title">
      <h1 id="key-title">Connect with an API key</h1>
      <p>
        The server needs a key (<code>Authorization: Bearer …</code>). It is kept in this tab's session storage
        only, and sent to this server only.
      </p>
      <form onSubmit=${submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          required
          value=${key}
          onInput=${(event: Event) => setKey((event.target as HTMLInputElement).value)}
        />
        <div class="row">
          <button type="submit" disabled=${busy}>Use this key</button>
          ${
            getApiKey() !== null &&
            html`<button type="button" class="quiet" onClick=${() => {
              setApiKey(null)
              props.onDone()
            }}>Forget the key</button>`
          }
        </div>
        ${error !== null && html`<p class="error" role="alert">${error}</p>`}
      </form>
    </section>
  `
}
