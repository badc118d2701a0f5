/**
 * Quickstart: an agent with three real tools, streaming its events to the terminal.
 *
 * Run it with `npm start`. It uses a real provider when one is configured in the environment; the
 * first match wins:
 *   1. AGENTLOOP_MODEL    any model reference, such as `anthropic:claude-haiku-4-5` or `groq:llama-3.3-70b-versatile`
 *   2. OPENAI_BASE_URL    an OpenAI-compatible server, through Chat Completions (model: OPENAI_MODEL, default gpt-4o-mini)
 *   3. OPENAI_API_KEY     OpenAI, through the Responses API (model: OPENAI_MODEL, default gpt-4o-mini)
 *   4. ANTHROPIC_API_KEY  Anthropic (model: ANTHROPIC_MODEL, default claude-haiku-4-5)
 *   5. OLLAMA_BASE_URL    a local Ollama (model: OLLAMA_MODEL, default llama3.1)
 * Otherwise it uses the scripted model from `agentloop/testing`: the model's answers are
 * pre-recorded, but the tools really run and every event you see is produced by the real agent loop.
 */
import { Agent, type Model, type RunEvent, stream, tool } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'
import { banner, configuredModel } from './quickstart-model.js'

const clock = tool({
  name: 'current_time',
  description: 'The current date and time in an IANA time zone, such as Europe/Paris.',
  parameters: z.object({ timeZone: z.string().describe('IANA time zone name') }),
  execute: ({ timeZone }) =>
    new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone }).format(new Date()),
})

const add = tool({
  name: 'add',
  description: 'Add a list of numbers.',
  parameters: [{ name: 'numbers', type: 'array', items: 'number', description: 'The numbers to add' }],
  execute: ({ numbers }) => (numbers as number[]).reduce((sum, value) => sum + value, 0),
})

const countWords = tool({
  name: 'count_words',
  description: 'Count the words of a text.',
  parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  execute: ({ text }) => ({ words: String(text).split(/\s+/).filter(Boolean).length }),
})

// Pre-recorded answers; the arguments and results you see below are computed for real.
const scripted = scriptedModel([
  {
    reasoning: 'I need the time in Tokyo, a sum and a word count: three independent tools.',
    toolCalls: [
      { name: 'current_time', arguments: { timeZone: 'Asia/Tokyo' } },
      { name: 'add', arguments: { numbers: [19.5, 22.5] } },
      { name: 'count_words', arguments: { text: 'agents whose runs survive crashes' } },
    ],
  },
  (request) => {
    const results = request.messages
      .filter((message) => message.role === 'tool')
      .map((message) => message.content)
    return {
      text: `In Tokyo it is ${results[0]}. The sum is ${results[1]}, and the phrase has ${JSON.parse(results[2] ?? '{}').words} words.`,
    }
  },
])

const configured = configuredModel(process.env)
const model: Model | string = configured?.reference ?? scripted

const agent = new Agent({
  name: 'assistant',
  instructions:
    'Answer with the help of your tools. Call all the tools you need at once, then answer in one short paragraph.',
  model,
  tools: [clock, add, countWords],
})

const dim = (text: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[2m${text}\x1b[0m` : text)

function show(event: RunEvent): void {
  switch (event.type) {
    case 'run.start':
      console.log(`▶ run ${event.runId.slice(0, 8)} · agent ${event.agent} · model ${event.model}`)
      break
    case 'turn.start':
      console.log(`\n── turn ${event.turn}`)
      break
    case 'reasoning.delta':
      process.stdout.write(dim(event.delta))
      break
    case 'text.delta':
      process.stdout.write(event.delta)
      break
    case 'tool.start':
      console.log(`\n  ⚙ ${event.toolName}(${JSON.stringify(event.arguments)})`)
      break
    case 'tool.end':
      console.log(`  ${event.isError ? '✗' : '✓'} ${event.toolName} → ${event.output}`)
      break
    case 'model.end':
      console.log(`\n  · model ${event.finishReason}, ${event.usage.totalTokens} tokens`)
      break
    case 'run.end':
      console.log(
        `\n■ ${event.status} after ${event.turns} turns · ${event.usage.modelCalls} model calls, ${event.usage.toolCalls} tool calls, ${event.usage.totalTokens} tokens`,
      )
      break
    case 'context.compact':
      console.log(`  ✂ context compacted: ${event.tokensBefore} → ${event.tokensAfter} tokens`)
      break
    case 'context.budget':
      console.log(dim(`  ℹ ${event.message}`))
      break
    case 'budget.exceeded':
      console.log(`  ⛔ ${event.message}`)
      break
    case 'approval.request':
      console.log(`  ⏸ ${event.toolName} waits for approval`)
      break
    case 'agent.handoff':
      console.log(`  ⇄ ${event.from} hands off to ${event.to}`)
      break
    case 'nested.event':
    case 'checkpoint.save':
    case 'checkpoint.load':
    case 'session.load':
    case 'session.append':
    case 'turn.end':
    case 'model.start':
    case 'tool.args.delta':
    case 'step.start':
    case 'step.end':
    case 'step.retry':
    case 'step.skip':
    case 'step.fail':
    case 'step.progress':
    case 'input.request':
    case 'workflow.start':
    case 'workflow.end':
    case 'node.start':
    case 'node.retry':
    case 'node.end':
    case 'node.event':
    case 'custom':
      break
    default:
      event satisfies never
  }
}

console.log(banner(configured).join('\n'))
const events = stream(
  agent,
  'What time is it in Tokyo, what is 19.5 + 22.5, and how many words are in "agents whose runs survive crashes"?',
)
for await (const event of events) show(event)
const result = await events.result.catch((error: Error) => {
  console.error(`\n✗ ${error.name}: ${error.message}`)
  process.exit(1)
})
if (result.status === 'completed') console.log(`\nFinal output: ${result.output}`)
