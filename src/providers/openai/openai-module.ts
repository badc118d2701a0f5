/**
 * The `openai` module, loaded once for `agentloop/openai`: a `ConfigError` with the `npm install` command
 * when the optional package is missing (see `importOptionalPeer`).
 *
 * @module
 */
import { importOptionalPeer } from '../../errors/optional-peer.js'

/** The `openai` SDK's `OpenAI` client class. */
export const OpenAIClient: typeof import('openai').default = (
  await importOptionalPeer(() => import('openai'), { packageName: 'openai', subpath: 'agentloop/openai' })
).default
