/**
 * agentloop next to the Vercel AI SDK (`ai` 6, already a development dependency for the AI SDK
 * adapter's tests) on the workload of `npm run bench`: 2 tools, 3 model calls and 2 tool calls per
 * run, the model a local stateless stub that streams like a provider (no network). What differs is
 * only the library's own loop: request building, stream handling, tool validation and execution,
 * events. The other peers (OpenAI Agents SDK, Mastra, LangGraph.js) are not installed here, so they
 * are not measured (see docs/comparison.md).
 *
 * Run: npm run bench:peers   (builds dist/ first)
 */
import type { LanguageModelV3, LanguageModelV3Prompt, LanguageModelV3StreamPart } from '@ai-sdk/provider'
import { Agent, type Model, run, stream, tool } from 'agentloop'
import { generateText, stepCountIs, streamText, tool as aiTool } from 'ai'
import { z } from 'zod'

const lookupArgs = z.object({ key: z.string() })
const addArgs = z.object({ a: z.number(), b: z.number() })
const lookupValue = async ({ key }: { key: string }) => `value of ${key}`
const addValues = ({ a, b }: { a: number; b: number }) => a + b

const text = 'The value is 5.'
const toolTurns = [
  { callId: 'call_0', name: 'lookup', args: '{"key":"x"}' },
  { callId: 'call_1', name: 'add', args: '{"a":2,"b":3}' },
]

// The agentloop side: the same stub as bench/loop-overhead.ts.
const agentloopModel: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'bench-model',
  generate: () => Promise.reject(new Error('not used')),
  async *stream(request) {
    let turn = 0
    for (const message of request.messages) if (message.role === 'assistant') turn++
    yield { type: 'response.start' }
    const call = toolTurns[turn]
    if (call !== undefined) {
      yield { type: 'tool.call.start', callId: call.callId, name: call.name }
      yield { type: 'tool.call.delta', callId: call.callId, delta: call.args.slice(0, 5) }
      yield { type: 'tool.call.delta', callId: call.callId, delta: call.args.slice(5) }
      yield { type: 'tool.call.end', callId: call.callId }
      yield {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      }
      return
    }
    for (let start = 0; start < text.length; start += 8)
      yield { type: 'text.delta', delta: text.slice(start, start + 8) }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 30, outputTokens: 5, totalTokens: 35 },
    }
  },
}
const agent = new Agent({
  name: 'bench',
  instructions: 'Use tools.',
  model: agentloopModel,
  tools: [
    tool({ name: 'lookup', description: 'Look up a value', parameters: lookupArgs, execute: lookupValue }),
    tool({ name: 'add', description: 'Add two numbers', parameters: addArgs, execute: addValues }),
  ],
})

// The AI SDK side: the same answers as a LanguageModelV3, streamed in the same pieces.
const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
})
const turnOf = (prompt: LanguageModelV3Prompt) =>
  prompt.filter((message) => message.role === 'assistant').length

function partsFor(prompt: LanguageModelV3Prompt): LanguageModelV3StreamPart[] {
  const call = toolTurns[turnOf(prompt)]
  if (call !== undefined) {
    return [
      { type: 'stream-start', warnings: [] },
      { type: 'tool-input-start', id: call.callId, toolName: call.name },
      { type: 'tool-input-delta', id: call.callId, delta: call.args.slice(0, 5) },
      { type: 'tool-input-delta', id: call.callId, delta: call.args.slice(5) },
      { type: 'tool-input-end', id: call.callId },
      { type: 'tool-call', toolCallId: call.callId, toolName: call.name, input: call.args },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: usage(10, 5) },
    ]
  }
  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
  ]
  for (let start = 0; start < text.length; start += 8) {
    parts.push({ type: 'text-delta', id: 't', delta: text.slice(start, start + 8) })
  }
  parts.push({ type: 'text-end', id: 't' })
  parts.push({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(30, 5) })
  return parts
}

const aiSdkModel: LanguageModelV3 = {
  specificationVersion: 'v3',
  provider: 'bench',
  modelId: 'bench-model',
  supportedUrls: {},
  async doGenerate(options) {
    const call = toolTurns[turnOf(options.prompt)]
    if (call !== undefined) {
      return {
        content: [{ type: 'tool-call', toolCallId: call.callId, toolName: call.name, input: call.args }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: usage(10, 5),
        warnings: [],
      }
    }
    return {
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usage(30, 5),
      warnings: [],
    }
  },
  async doStream(options) {
    const parts = partsFor(options.prompt)
    return {
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          for (const part of parts) controller.enqueue(part)
          controller.close()
        },
      }),
    }
  },
}
const aiTools = {
  lookup: aiTool({ description: 'Look up a value', inputSchema: lookupArgs, execute: lookupValue }),
  add: aiTool({
    description: 'Add two numbers',
    inputSchema: addArgs,
    execute: async (args) => addValues(args),
  }),
}

const workloads: Record<string, () => Promise<string | undefined>> = {
  'agentloop run()': async () => (await run(agent, 'Go')).output,
  'agentloop stream(), every event read': async () => {
    const events = stream(agent, 'Go')
    for await (const _event of events) {
      // read every event, as a UI would
    }
    return (await events.result).output
  },
  'AI SDK generateText()': async () =>
    (
      await generateText({
        model: aiSdkModel,
        system: 'Use tools.',
        prompt: 'Go',
        tools: aiTools,
        stopWhen: stepCountIs(10),
      })
    ).text,
  'AI SDK streamText(), every part read': async () => {
    const result = streamText({
      model: aiSdkModel,
      system: 'Use tools.',
      prompt: 'Go',
      tools: aiTools,
      stopWhen: stepCountIs(10),
    })
    for await (const _part of result.fullStream) {
      // read every part, as a UI would
    }
    return await result.text
  },
}

async function runsPerSecond(fn: () => Promise<unknown>, runs: number, concurrency: number): Promise<number> {
  const start = performance.now()
  for (let done = 0; done < runs; done += concurrency)
    await Promise.all(Array.from({ length: concurrency }, fn))
  return runs / ((performance.now() - start) / 1000)
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

async function main() {
  const rounds = 3
  console.log(
    `3 model calls + 2 tool calls per run; median of ${rounds} rounds of about 2 s each (Node ${process.version})`,
  )
  console.log(
    'workload                               | sequential runs/s | runs/s, 100 concurrent | us per run (sequential)',
  )
  for (const [name, fn] of Object.entries(workloads)) {
    const output = await fn()
    if (output !== text)
      throw new Error(`${name} answered ${JSON.stringify(output)}, not ${JSON.stringify(text)}`)
    // Warm up, then size the rounds so each lasts about 2 s: the libraries differ by more than 10x.
    const warm = await runsPerSecond(fn, 500, 1)
    const runs = Math.max(200, Math.round((warm * 2) / 100) * 100)
    const sequential: number[] = []
    const concurrent: number[] = []
    for (let round = 0; round < rounds; round++) {
      sequential.push(await runsPerSecond(fn, runs, 1))
      concurrent.push(await runsPerSecond(fn, runs, 100))
    }
    const perRun = 1_000_000 / median(sequential)
    console.log(
      `${name.padEnd(38)} | ${median(sequential).toFixed(0).padStart(17)} | ${median(concurrent).toFixed(0).padStart(22)} | ${perRun.toFixed(1).padStart(10)}`,
    )
  }
}

await main()
