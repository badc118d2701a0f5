/**
 * An agent written with another framework (the Vercel AI SDK's `generateText` tool loop) run as a
 * runnable: its steps become events in the run's log, the conversation is checkpointed after each
 * model step so a retry continues where it stopped, and `runtime.cancel` reaches it through
 * `abortSignal`. The model is the AI SDK's own mock, scripted, so this runs offline.
 *
 * Run it with `npx tsx examples/runnable-ai-sdk.ts`.
 */
import type { LanguageModelV3CallOptions } from '@ai-sdk/provider'
import { generateText, type ModelMessage, stepCountIs, tool } from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { createMemoryStorage, type Runnable, type RunnableContext, Runtime } from 'agentloop'
import { z } from 'zod'

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
}

/** Asks for the weather tool first, then answers with what the tool said. */
const model = new MockLanguageModelV3({
  doGenerate: async (options: LanguageModelV3CallOptions) => {
    const result = options.prompt.flatMap((message) =>
      message.role === 'tool' ? message.content.filter((part) => part.type === 'tool-result') : [],
    )[0]
    if (result === undefined) {
      return {
        content: [
          { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Lisbon"}' },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      }
    }
    const output =
      result.output.type === 'json'
        ? JSON.stringify(result.output.value)
        : result.output.type === 'text'
          ? result.output.value
          : result.output.type
    return {
      content: [{ type: 'text', text: `In Lisbon: ${output}.` }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage,
      warnings: [],
    }
  },
})

const weather = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 24 }),
})

/** The AI SDK loop as a runnable. Its checkpoint is the conversation so far. */
const aiSdkAgent: Runnable = {
  name: 'ai-sdk-weather',
  async run(ctx: RunnableContext) {
    const saved = ctx.state as { messages: ModelMessage[] } | undefined
    const messages: ModelMessage[] =
      saved?.messages ?? ctx.input.map((message) => ({ role: 'user', content: String(message.content) }))
    const result = await generateText({
      model,
      messages,
      tools: { weather },
      stopWhen: stepCountIs(5),
      abortSignal: ctx.signal,
      onStepFinish: async (step) => {
        for (const call of step.toolCalls)
          await ctx.emit('tool.call', { tool: call.toolName, input: call.input as never })
        await ctx.emit('model.step', { finishReason: step.finishReason, text: step.text })
        // What a retry continues from (JSON round trip: the messages are plain data).
        await ctx.checkpoint({
          messages: JSON.parse(JSON.stringify([...messages, ...step.response.messages])),
        })
      },
    })
    return result.text
  },
}

const runtime = new Runtime({ storage: createMemoryStorage(), runnables: [aiSdkAgent] })
const { runId } = await runtime.submit('ai-sdk-weather', 'What is the weather in Lisbon?')
for await (const event of runtime.events(runId)) {
  console.log(
    `${event.seq} ${event.type}${event.type === 'custom' ? ` ${event.name} ${JSON.stringify(event.data)}` : ''}`,
  )
}
const result = await runtime.wait(runId)
console.log('output:', result.output)
const saved = await runtime.storage?.runs.load(runId)
console.log(
  'checkpointed messages:',
  (saved?.snapshot as { state?: { messages?: unknown[] } } | undefined)?.state?.messages?.length,
)
await runtime.close()
