/**
 * What handoffs and agent tools cost on top of the loop. Workloads, each 2-3 model calls with an
 * instant stateless model: a plain agent making one tool call then answering (the baseline), a
 * triage agent handing off to a specialist that answers, and an agent calling another agent as a
 * tool (a nested run) then answering. Each without storage and on the memory storage (durable:
 * every checkpoint and event written).
 *
 * Run: npm run bench:multi-agent   (builds dist/ first)
 */
import { Agent, createMemoryStorage, type Model, type ModelRequest, Runtime, tool } from 'agentloop'
import { z } from 'zod'

/** Answers from the request alone: calls `call` until a tool result is there, then answers. */
function model(call: { name: string; args: string } | undefined): Model {
  return {
    specificationVersion: 'agentloop.model.v1',
    provider: 'bench',
    modelId: 'bench-model',
    generate: () => Promise.reject(new Error('not used')),
    async *stream(request: ModelRequest) {
      yield { type: 'response.start' }
      const answered = request.messages.at(-1)?.role === 'tool'
      if (call !== undefined && !answered) {
        yield { type: 'tool.call.start', callId: 'call_1', name: call.name }
        yield { type: 'tool.call.delta', callId: 'call_1', delta: call.args }
        yield { type: 'tool.call.end', callId: 'call_1' }
        yield {
          type: 'finish',
          finishReason: 'tool-calls',
          usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        }
        return
      }
      yield { type: 'text.delta', delta: 'The answer is 42.' }
      yield {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      }
    },
  }
}

const lookup = tool({
  name: 'lookup',
  description: 'Look up a value',
  parameters: z.object({ key: z.string() }),
  execute: ({ key }) => `value of ${key}`,
})
const plain = new Agent({
  name: 'plain',
  model: model({ name: 'lookup', args: '{"key":"x"}' }),
  tools: [lookup],
})
const specialist = new Agent({ name: 'specialist', model: model(undefined) })
const triage = new Agent({
  name: 'triage',
  model: model({ name: 'transfer_to_specialist', args: '{}' }),
  handoffs: [specialist],
})
const manager = new Agent({
  name: 'manager',
  model: model({ name: 'specialist', args: '{"input":"x"}' }),
  tools: [specialist.asTool()],
})

const RUNS = Number(process.env.RUNS ?? 2000)

async function measure(label: string, agent: Agent, durable: boolean): Promise<void> {
  const runtime = durable ? new Runtime({ storage: createMemoryStorage(), agents: [agent] }) : new Runtime()
  for (let index = 0; index < 200; index++) await runtime.run(agent, 'go')
  const started = performance.now()
  for (let index = 0; index < RUNS; index++) {
    const result = await runtime.run(agent, 'go')
    if (result.status !== 'completed') throw new Error(`${label}: ${result.status}`)
  }
  const perRun = ((performance.now() - started) / RUNS) * 1000
  console.log(
    `${label.padEnd(42)} ${durable ? 'memory storage' : 'no storage    '}  ${perRun.toFixed(0).padStart(6)} µs/run`,
  )
}

console.log(`multi-agent overhead, ${RUNS} runs each (Node ${process.version})`)
for (const durable of [false, true]) {
  await measure('plain: 1 tool call + answer (2 model calls)', plain, durable)
  await measure('handoff: transfer + answer (2 model calls)', triage, durable)
  await measure('agent tool: nested run + answer (3 calls)', manager, durable)
}
