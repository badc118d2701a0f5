/**
 * The agent of the SIGKILL crash tests (test/crash-resume-*.test.ts), shared by the child process
 * that crashes and the test that resumes: a stateless model (lookup, then charge, then the
 * answer, decided from the request alone), an idempotent `lookup` and a non-idempotent `charge`.
 * Every tool execution is appended to a log file first. `die(point)` is where the child kills
 * itself; the resuming side passes a no-op.
 */
import { appendFileSync } from 'node:fs'
import { z } from 'zod'
import { Agent } from '../../src/agent/agent.js'
import type { Model } from '../../src/model/model.js'
import type { ModelRequest } from '../../src/model/model-request.js'
import type { ModelStreamPart } from '../../src/model/model-stream-part.js'
import type { Storage } from '../../src/storage/storage.js'
import { tool } from '../../src/tool/tool.js'

/** Opens the storage a crash test uses: a file path, or a URL with `#schema` / `#prefix`. */
export async function openCrashStorage(backend: string, target: string): Promise<Storage> {
  switch (backend) {
    case 'sqlite': {
      const { createSqliteStorage } = await import('../../src/storage/sqlite/index.js')
      return createSqliteStorage({ path: target })
    }
    case 'file': {
      const { createFileStorage } = await import('../../src/storage/file/index.js')
      return createFileStorage({ dir: target })
    }
    case 'postgres': {
      const { createPostgresStorage } = await import('../../src/storage/postgres/index.js')
      const [connectionString, schema] = target.split('#')
      return createPostgresStorage({ connectionString: connectionString as string, schema })
    }
    case 'redis': {
      const { createRedisStorage } = await import('../../src/storage/redis/index.js')
      const [url, prefix] = target.split('#')
      return createRedisStorage({ url: url as string, prefix })
    }
    default:
      throw new Error(`unknown backend ${backend}`)
  }
}

/** The crash agent; `charge` needs approval when `approval` is set (to reach the pause save point). */
export function crashAgent(options: { log: string; die: (point: string) => void; approval: boolean }): Agent {
  const { log, die } = options
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
      appendFileSync(log, `lookup ${idempotencyKey}\n`)
      die('during-idempotent-tool')
      return `price ${amount}`
    },
  })
  const charge = tool({
    name: 'charge',
    description: 'Charge a card (never twice)',
    parameters: z.object({ amount: z.number() }),
    needsApproval: options.approval,
    execute: ({ amount }, { idempotencyKey }) => {
      appendFileSync(log, `charge ${idempotencyKey}\n`)
      die('during-tool')
      return `charged ${amount}`
    },
  })
  return new Agent({
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
}

/**
 * Wraps a storage so the child can die right before or right after the n-th save of a save
 * point: `before:model:2` kills the process before the second save whose `checkpoint.save`
 * reason is `model`.
 */
export function dyingStorage(storage: Storage, die: (point: string) => void): Storage {
  const counts = new Map<string, number>()
  return {
    ...storage,
    runs: {
      ...storage.runs,
      async save(input) {
        const report = input.events?.find((event) => event.type === 'checkpoint.save')
        const reason = report?.type === 'checkpoint.save' ? report.reason : 'unknown'
        const count = (counts.get(reason) ?? 0) + 1
        counts.set(reason, count)
        die(`before:${reason}:${count}`)
        const saved = await storage.runs.save(input)
        die(`after:${reason}:${count}`)
        return saved
      },
    },
  }
}
