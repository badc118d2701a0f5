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
 * @module
 */

// Messages API conversion, for restoring or exporting a conversation (docs/context.md).
export {
  type AnthropicContentBlock,
  type AnthropicConversation,
  type AnthropicMessage,
  fromAnthropic,
  toAnthropic,
} from '../../messages/anthropic-format.js'
export { type AnthropicOptions, anthropic } from './anthropic.js'
export type { AnthropicDefaults } from './anthropic-request.js'
