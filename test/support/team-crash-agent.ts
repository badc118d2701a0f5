/**
 * The agents of the multi-agent SIGKILL test (test/team-crash.test.ts), shared by the child process
 * that crashes and the test that resumes: `triage` hands off to `desk`, which calls `researcher`
 * as a tool; the researcher runs a non-idempotent `charge`. Every model call and tool execution
 * is appended to a log file first. The models decide from the request alone, like real ones.
 */
import { appendFileSync } from 'node:fs'
import { z } from 'zod'
import { Agent } from '../../src/agent/agent.js'
import type { ModelRequest } from '../../src/model/model-request.js'
import type { Storage } from '../../src/storage/storage.js'
import { type ScriptedTurnSpec, scriptedModel } from '../../src/testing/scripted-model.js'
import { tool } from '../../src/tool/tool.js'

const usage = { inputTokens: 10, outputTokens: 5 }

/** The save points in the order a run without a crash reaches them (`reason:run:count`). */
export const TEAM_SAVE_POINTS = [
  'start:parent:1',
  'model:parent:1',
  'handoff:parent:1',
  'model:parent:2',
  'tool.start:parent:1',
  'start:child:1',
  'model:child:1',
  'tool.start:child:1',
  'tool.result:child:1',
  'end:child:1',
  'tool.result:parent:1',
  'end:parent:1',
]

export function teamAgents(options: { log: string; die: (point: string) => void }): Agent {
  const { log, die } = options
  const model = (name: string, decide: (request: ModelRequest) => ScriptedTurnSpec) =>
    scriptedModel(
      Array.from({ length: 20 }, () => (request: ModelRequest) => {
        appendFileSync(log, `model ${name}\n`)
        return decide(request)
      }),
    )
  const results = (request: ModelRequest) =>
    request.messages.filter((message) => message.role === 'tool' && !message.toolName.startsWith('transfer_'))
  const charge = tool({
    name: 'charge',
    description: 'Charge a card (never twice)',
    parameters: z.object({ amount: z.number() }),
    execute: ({ amount }, { idempotencyKey }) => {
      appendFileSync(log, `charge ${idempotencyKey}\n`)
      die('during-charge')
      return `charged ${amount}`
    },
  })
  const researcher = new Agent({
    name: 'researcher',
    model: model('researcher', (request) =>
      results(request).length === 0
        ? { toolCalls: [{ name: 'charge', arguments: { amount: 42 }, callId: 'c1' }], usage }
        : { text: `report (${results(request)[0]?.content})`, usage },
    ),
    tools: [charge],
  })
  const desk = new Agent({
    name: 'desk',
    model: model('desk', (request) =>
      results(request).length === 0
        ? { toolCalls: [{ name: 'researcher', arguments: { input: 'dig' }, callId: 'r1' }], usage }
        : { text: `desk: ${results(request)[0]?.content}`, usage },
    ),
    tools: [researcher.asTool()],
  })
  return new Agent({
    name: 'triage',
    model: model('triage', () => ({ toolCalls: [{ name: 'transfer_to_desk', callId: 'h1' }], usage })),
    handoffs: [desk],
  })
}

/** Kills the process right before or after a save point: `before:handoff:parent:1`. */
export function teamDyingStorage(storage: Storage, die: (point: string) => void): Storage {
  const counts = new Map<string, number>()
  return {
    ...storage,
    runs: {
      ...storage.runs,
      async save(input) {
        const report = input.events?.find((event) => event.type === 'checkpoint.save')
        const reason = report?.type === 'checkpoint.save' ? report.reason : 'unknown'
        const key = `${reason}:${input.runId.includes('/') ? 'child' : 'parent'}`
        const count = (counts.get(key) ?? 0) + 1
        counts.set(key, count)
        die(`before:${key}:${count}`)
        const saved = await storage.runs.save(input)
        die(`after:${key}:${count}`)
        return saved
      },
    },
  }
}
