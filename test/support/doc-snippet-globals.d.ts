// What the code blocks of README.md and docs/*.md use without defining: the reader's own model,
// agent, tools and data. Declared once here so each block can stay short (scripts/doc-snippets.mjs).
import type { Agent, Model, ModelFactory, Runtime, Storage, Tool } from 'agentloop'
import type { LLMFunction } from 'agentloop/functions'
import type { OpenAIChatMessage } from 'agentloop/openai'
import type { WorkflowDefinition, WorkflowState } from 'agentloop/workflows'

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
  // workflows (docs/workflows.md)
  const triage: Agent
  const specialist: Agent
  const runtime: Runtime
  const lookup: Tool
  // multi-agent (docs/multi-agent.md)
  const writer: Agent
  // biome-ignore lint/suspicious/noExplicitAny: any LLM function
  const categorize: LLMFunction<any, any, any>
  const ticket: string
  const definition: WorkflowDefinition
  function save(state: WorkflowState): Promise<void>
  function load(): Promise<WorkflowState>
}
