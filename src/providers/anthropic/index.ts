/**
 * Anthropic models (Claude) on the Messages API, built on the official `@anthropic-ai/sdk` (an
 * optional peer dependency).
 *
 * @example
 * import { Agent, run } from 'agentloop'
 * import { anthropic } from 'agentloop/anthropic'
 *
 * const agent = new Agent({ name: 'helper', model: anthropic('claude-sonnet-4-5') })
 *
 * Conversations saved in the Messages API shape convert with `fromAnthropic` / `toAnthropic`, the
 * same converter the adapter uses for every request.
 *
 * @module
 */

export { type AnthropicOptions, anthropic } from './anthropic.js'
export {
  type AnthropicContentBlock,
  type AnthropicConversation,
  type AnthropicMessage,
  type AnthropicRequestConversation,
  fromAnthropic,
  toAnthropic,
} from './anthropic-messages.js'
export type { AnthropicDefaults } from './anthropic-request.js'
