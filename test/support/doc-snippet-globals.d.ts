// What the code blocks of README.md and docs/*.md use without defining: the reader's own model,
// agent, tools and data. Declared once here so each block can stay short (scripts/doc-snippets.mjs).
import type { Agent, Model, ModelFactory, Storage, Tool } from 'agentloop'
import type { OpenAIChatMessage } from 'agentloop/openai'

declare global {
  /** Any model: openai('gpt-4o-mini'), anthropic(...), scriptedModel([...]). */
  const model: Model
  /** A smaller model for summaries. */
  const cheapModel: Model
  const agent: Agent
  const supportAgent: Agent
  const search: Tool
  const tools: Tool[]
  const providers: Record<string, ModelFactory>
  const savedChatCompletionsMessages: OpenAIChatMessage[]
  function checkCategoryIsAllowed(output: { category: string }): string | undefined
  function download(...args: unknown[]): Promise<string>
  function createMyStorage(): Storage
}
