/**
 * A process that runs (or resumes) a durable agent run and kills itself with SIGKILL at a chosen
 * point, for test/crash-resume.test.ts. Usage:
 *   node --import tsx test/support/crash-child.ts <backend> <target> start <runId> <crashPoint> <log>
 *   node --import tsx test/support/crash-child.ts <backend> <target> resume <runId> - <log>
 * It prints the final result as one JSON line. Every tool execution is appended to <log> first.
 */
import { appendFileSync } from 'node:fs'
import { z } from 'zod'
import { Agent } from '../../src/agent/agent.js'
import type { Model } from '../../src/model/model.js'
import type { ModelRequest } from '../../src/model/model-request.js'
import type { ModelStreamPart } from '../../src/model/model-stream-part.js'
import { Runtime } from '../../src/run/runtime.js'
import type { Storage } from '../../src/storage/storage.js'
import { tool } from '../../src/tool/tool.js'

const [backend, target, mode, runId, crashPoint, log] = process.argv.slice(2) as string[]

function die(point: string): void {
  if (point === crashPoint) process.kill(process.pid, 'SIGKILL')
}

async function openStorage(): Promise<Storage> {
  switch (backend) {
    case 'sqlite': {
      const { createSqliteStorage } = await import('../../src/storage/sqlite/index.js')
      return createSqliteStorage({ path: target as string })
    }
    case 'file': {
      const { createFileStorage } = await import('../../src/storage/file/index.js')
      return createFileStorage({ dir: target as string })
    }
    case 'postgres': {
      const { createPostgresStorage } = await import('../../src/storage/postgres/index.js')
      const [connectionString, schema] = (target as string).split('#')
      return createPostgresStorage({ connectionString: connectionString as string, schema })
    }
    case 'redis': {
      const { createRedisStorage } = await import('../../src/storage/redis/index.js')
      const [url, prefix] = (target as string).split('#')
      return createRedisStorage({ url: url as string, prefix })
    }
    default:
      throw new Error(`unknown backend ${backend}`)
  }
}

/** A stateless model: lookup, then charge, then the answer, decided from the request alone. */
const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'crash-test',
  modelId: 'stateless',
  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const results = request.messages.filter((message) => message.role === 'tool')
    yield { type: 'response.start' }
    yield { type: 'text.delta', delta: `Step ${results.length + 1}. ` }
    if (results.length === 0) die('during-model')
    const call = (name: string) => [
      { type: 'tool.call.start' as const, callId: `call_${name}`, name },
      { type: 'tool.call.delta' as const, callId: `call_${name}`, delta: '{"amount":' },
      { type: 'tool.call.delta' as const, callId: `call_${name}`, delta: '42}' },
      { type: 'tool.call.end' as const, callId: `call_${name}` },
    ]
    if (results.length === 0) yield* call('lookup')
    else if (results.length === 1) yield* call('charge')
    else yield { type: 'text.delta', delta: results.map((message) => message.content).join(' + ') }
    yield {
      type: 'finish',
      finishReason: results.length < 2 ? 'tool-calls' : 'stop',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    }
  },
  async generate() {
    throw new Error('not used')
  },
}

const lookup = tool({
  name: 'lookup',
  description: 'Look up a price (safe to repeat)',
  parameters: z.object({ amount: z.number() }),
  idempotent: true,
  execute: ({ amount }, { idempotencyKey }) => {
    appendFileSync(log as string, `lookup ${idempotencyKey}\n`)
    die('during-idempotent-tool')
    return `price ${amount}`
  },
})
const charge = tool({
  name: 'charge',
  description: 'Charge a card (never twice)',
  parameters: z.object({ amount: z.number() }),
  execute: ({ amount }, { idempotencyKey }) => {
    appendFileSync(log as string, `charge ${idempotencyKey}\n`)
    die('during-tool')
    return `charged ${amount}`
  },
})

const agent = new Agent({
  name: 'shop',
  model,
  tools: [lookup, charge],
  hooks: {
    beforeTool: ({ toolName }) => {
      if (toolName === 'charge') die('before-tool')
    },
    afterTool: ({ toolName }) => {
      if (toolName === 'charge') die('after-tool')
    },
  },
})

const storage = await openStorage()
const runtime = new Runtime({
  storage,
  agents: [agent],
  hooks: {
    afterModel: () => undefined,
  },
})
let result: Awaited<ReturnType<typeof runtime.resume>>
if (mode === 'start') {
  const events = runtime.stream(agent, 'Buy it.', { runId })
  for await (const event of events) {
    if (event.type === 'checkpoint.save' && event.reason === 'model' && event.turn === 1) die('after-model')
    if (event.type === 'run.end' && event.status === 'completed') die('after-final')
  }
  result = await events.result
} else {
  result = await runtime.resume(runId as string)
  if (result.status === 'needs_review') {
    // A human decides: the interrupted charge is not repeated.
    const approvals = result.interruptions.map((entry) => ({
      callId: entry.callId,
      approve: false,
      message: 'Interrupted; check the payment provider before retrying.',
    }))
    console.log(JSON.stringify({ review: result.interruptions.map((entry) => entry.toolName) }))
    result = await runtime.resume(runId as string, { approvals })
  }
}
console.log(JSON.stringify({ status: result.status, output: result.output }))
await storage.close()
