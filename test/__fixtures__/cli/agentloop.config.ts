// The config module the command-line tests load: an echo agent, an agent whose tool needs
// approval, a tool and a model provider (`fixture:`) for stored agents. The models are scripted, so
// no provider is called.
import { Agent, type Model, tool } from 'agentloop'
import { defineConfig } from 'agentloop/cli'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

const echoModel = (): Model =>
  scriptedModel(
    Array.from({ length: 20 }, () => (request: { messages: { role: string; content: unknown }[] }) => {
      const last = [...request.messages].reverse().find((message) => message.role === 'user')
      return { text: `echo: ${String(last?.content)}` }
    }),
    { provider: 'scripted', modelId: 'echo' },
  )

const transfer = tool({
  name: 'transfer',
  description: 'Move money.',
  parameters: z.object({ amount: z.number() }),
  needsApproval: true,
  execute: ({ amount }) => `moved ${amount}`,
})

const bankModel = (): Model =>
  scriptedModel(
    Array.from({ length: 10 }, () => (request: { messages: { role: string; content: unknown }[] }) => {
      const result = request.messages.find((message) => message.role === 'tool')
      return result === undefined
        ? { toolCalls: [{ name: 'transfer', arguments: { amount: 5 } }] }
        : { text: `done: ${String(result.content)}` }
    }),
    { provider: 'scripted', modelId: 'bank' },
  )

export default defineConfig({
  agents: [
    new Agent({ name: 'echo', instructions: 'Repeat.', model: echoModel() }),
    new Agent({ name: 'bank', instructions: 'Transfer.', model: bankModel(), tools: [transfer] }),
    // Answers after a minute: long enough to be interrupted.
    new Agent({
      name: 'slow',
      instructions: 'Take your time.',
      model: scriptedModel([{ text: 'finally', delayMs: 60_000 }], { provider: 'scripted', modelId: 'slow' }),
    }),
  ],
  tools: [transfer],
  // Model references `fixture:<id>` for agents stored as data (POST /api/agents): an echo model.
  models: { fixture: () => echoModel() },
  // Per million tokens: 1 per input token and 2 per output token of the echo model.
  prices: { 'scripted:echo': { input: 1_000_000, output: 2_000_000 } },
})
