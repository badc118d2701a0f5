/**
 * The `@anthropic-ai/sdk` module, loaded once for `agentloop/anthropic`: a `ConfigError` with the `npm install` command
 * when the optional package is missing (see `importOptionalPeer`).
 *
 * @module
 */
import { importOptionalPeer } from '../../errors/optional-peer.js'

/** The `@anthropic-ai/sdk` `Anthropic` client class. */
export const AnthropicClient: typeof import('@anthropic-ai/sdk').default = (
  await importOptionalPeer(() => import('@anthropic-ai/sdk'), {
    packageName: '@anthropic-ai/sdk',
    subpath: 'agentloop/anthropic',
  })
).default
