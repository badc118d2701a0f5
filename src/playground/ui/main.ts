/**
 * The playground's entry: mounts the app in `#app`. Bundled by esbuild with the stylesheet.
 *
 * @module
 */
import './playground.css'
import { render } from 'preact'
import { App } from './app.js'
import { html } from './html.js'

const root = document.getElementById('app')
if (root !== null) {
  root.textContent = ''
  render(html`<${App} />`, root)
}
