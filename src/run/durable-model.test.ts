import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import type { RunEvent } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { ModelRequest } from '../model/model-request.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { createSqliteStorage } from '../storage/sqlite/create-sqlite-storage.js'
import type { Storage } from '../storage/storage.js'
import { collectEvents } from '../testing/collect-events.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import type { ApprovalDecision } from './active-run.js'
import type { RunState } from './run-state.js'
import { Runtime } from './runtime.js'
import { rebuildState } from './stored-run-state.js'

/**
 * A model-based property test of durable runs: random model answers (tool calls, repeated call
 * ids, answers cut at the output limit), approvals and rejections, crashes at any save and resumes,
 * checked against the invariants of issue 10.
 */

const TOOLS = ['safe', 'pay', 'ask', 'askSafe'] as const
type ToolName = (typeof TOOLS)[number]

interface Scenario {
  /** The model's turns before its final answer: the tools it calls, and whether the answer is cut once. */
  turns: { calls: ToolName[]; cut: boolean }[]
  /** For each attempt, the write (counted from 1) at which the process "dies"; 0: no crash. */
  crashes: number[]
  /** Decides approvals: bit i of the seed approves the i-th distinct call asked about. */
  seed: number
  parallel: boolean
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  turns: fc.array(
    fc.record({
      calls: fc.array(fc.constantFrom(...TOOLS), { minLength: 1, maxLength: 3 }),
      cut: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  crashes: fc.array(fc.nat(14), { maxLength: 4 }),
  seed: fc.nat(),
  parallel: fc.boolean(),
})

/** A storage that fails every write from the `crashAt`-th one on (0: never), as a dead process would. */
function crashing(storage: Storage, crashAt: number) {
  let writes = 0
  const state = { crashed: false }
  const write = <T>(attempt: () => Promise<T>): Promise<T> => {
    writes++
    if (crashAt > 0 && writes >= crashAt) state.crashed = true
    return state.crashed ? Promise.reject(new Error('process died')) : attempt()
  }
  const runs = {
    ...storage.runs,
    save: (input: Parameters<Storage['runs']['save']>[0]) => write(() => storage.runs.save(input)),
    appendEvents: (...args: Parameters<Storage['runs']['appendEvents']>) =>
      write(() => storage.runs.appendEvents(...args)),
  }
  return { storage: { ...storage, runs } as Storage, state }
}

async function check(open: () => Promise<Storage>, plan: Scenario): Promise<void> {
  const base = await open()
  const executions: { tool: string; key: string }[] = []
  const make = (name: string, options: { idempotent?: boolean; needsApproval?: boolean }) =>
    tool({
      name,
      description: name,
      parameters: z.object({ n: z.number() }),
      ...options,
      execute: ({ n }, { idempotencyKey }) => {
        executions.push({ tool: name, key: idempotencyKey })
        return `${name}:${n}`
      },
    })
  const cutOnce = new Set<number>()
  const model = scriptedModel(
    Array.from({ length: 200 }, () => (request: ModelRequest): ScriptedTurnSpec => {
      const index = request.messages.filter((message) => message.role === 'assistant').length
      const turn = plan.turns[index]
      if (turn === undefined) return { text: 'final', usage: { inputTokens: 1, outputTokens: 1 } }
      if (turn.cut && !cutOnce.has(index)) {
        cutOnce.add(index)
        return { toolCalls: [{ name: 'forbidden', arguments: { n: 0 } }], finishReason: 'length' }
      }
      // Repeated ids across turns, as OpenAI-compatible servers without ids send them.
      return { toolCalls: turn.calls.map((name, i) => ({ name, arguments: { n: i }, callId: `dup_${i}` })) }
    }),
  )
  const agent = new Agent({
    name: 'model-test',
    model,
    parallelToolCalls: plan.parallel,
    tools: [
      make('safe', { idempotent: true }),
      make('pay', {}),
      make('ask', { needsApproval: true }),
      make('askSafe', { needsApproval: true, idempotent: true }),
      make('forbidden', { idempotent: true }),
    ],
  })
  const decisions = new Map<string, { approve: boolean; kind: string }>()
  const decide = (callId: string, kind: string): ApprovalDecision => {
    let decided = decisions.get(`${kind}:${callId}`)
    if (decided === undefined) {
      // A review (an interrupted call) is always rejected: a human checks first.
      decided = { approve: kind === 'approval' && ((plan.seed >> (decisions.size % 30)) & 1) === 1, kind }
      decisions.set(`${kind}:${callId}`, decided)
    }
    return { callId, approve: decided.approve, message: `decided ${callId}` }
  }

  let attempt = 0
  const next = () => crashing(base, plan.crashes[attempt++] ?? 0)
  const first = next()
  const stream = new Runtime({ storage: first.storage, agents: [agent] }).stream(agent, 'go', {
    runId: 'r',
    session: 's',
  })
  const seen = await collectEvents(stream)
  const outcome = await stream.result.then(
    (result) => result.status,
    () => 'failed',
  )
  const logged = await base.runs.readEvents('r')
  // The stream equals the stored log (a crashed process's last run.end is never stored).
  expect(logged).toEqual(first.state.crashed ? seen.slice(0, -1) : seen)
  const stored = await base.runs.get('r')
  if (!first.state.crashed) {
    expect(stored?.status).toBe(outcome)
    expect(seen.at(-1)).toMatchObject({ type: 'run.end', status: outcome })
  }

  let final = stored?.status
  for (let round = 0; final !== 'completed'; round++) {
    expect(round, 'the run reaches its end').toBeLessThan(40)
    const checkpoint = await base.runs.load<RunState>('r')
    const { storage, state } = next()
    const runtime = new Runtime({ storage, agents: [agent] })
    let status: string
    if (checkpoint === null) {
      // The first save never happened: the run starts again.
      const again = runtime.stream(agent, 'go', { runId: 'r', session: 's' })
      await collectEvents(again)
      status = await again.result.then(
        (result) => result.status,
        () => 'failed',
      )
    } else {
      const approvals = Object.entries(checkpoint.snapshot.toolCalls ?? {})
        .filter(([, record]) => record.status === 'approval' || record.status === 'review')
        .map(([callId, record]) => decide(callId, record.status))
      status = await runtime.resume('r', { approvals }).then(
        (result) => result.status,
        () => 'failed',
      )
    }
    final = (await base.runs.get('r'))?.status
    if (!state.crashed) {
      // The stored status is what the run said.
      expect(final).toBe(status)
      const log = await base.runs.readEvents('r')
      expect(log.at(-1)).toMatchObject({ type: 'run.end', status })
    }
  }

  const log = await base.runs.readEvents('r')
  // seq: unique and increasing across crashes and resumes.
  expect(log.map((event: RunEvent) => event.seq)).toEqual(log.map((_, index) => index + 1))
  // No cut call ever runs.
  expect(executions.filter((entry) => entry.tool === 'forbidden')).toEqual([])
  // No non-idempotent tool runs twice.
  const once = executions.filter((entry) => entry.tool === 'pay' || entry.tool === 'ask').map((e) => e.key)
  expect(new Set(once).size).toBe(once.length)
  // Every decision honoured once: a rejected call never ran after it and has one rejection result.
  const last = await base.runs.load<RunState>('r')
  const rebuilt = rebuildState(last?.snapshot, last?.parts ?? []) as RunState
  const messages = rebuilt.messages
  const results = messages.filter((message) => message.role === 'tool')
  const calls = messages.flatMap((message) =>
    message.role === 'assistant' && typeof message.content !== 'string'
      ? message.content.filter((part) => part.type === 'tool-call')
      : [],
  )
  expect(new Set(calls.map((call) => call.callId)).size).toBe(calls.length)
  expect(results.map((message) => message.callId).sort()).toEqual(calls.map((call) => call.callId).sort())
  for (const [key, decided] of decisions) {
    const callId = key.slice(key.indexOf(':') + 1)
    const result = results.find((message) => message.callId === callId)
    const rejected = (result?.content ?? '').includes('did not approve')
    // An approved call interrupted while it ran comes back for review (then rejected, below).
    const reviewed = decisions.has(`review:${callId}`)
    if (decided.kind === 'approval' && decided.approve && !reviewed) expect(rejected).toBe(false)
    if (!decided.approve) {
      expect(rejected).toBe(true)
      if (decided.kind === 'approval')
        expect(executions.some((entry) => entry.key === `r:${callId}`)).toBe(false)
    }
  }
  // Every session turn stored exactly once.
  const session: Message[] = await base.sessions.messages('s')
  expect(session).toEqual(messages)
  await base.close()
}

describe('durable runs, model-based (fast-check)', () => {
  it('holds the invariants on memory storage', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (plan) => check(async () => createMemoryStorage(), plan)),
      { numRuns: 100 },
    )
  }, 120_000)

  const dir = mkdtempSync(join(tmpdir(), 'agentloop-model-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  let files = 0
  it('holds the invariants on SQLite', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (plan) =>
        check(async () => createSqliteStorage({ path: join(dir, `run-${files++}.sqlite`) }), plan),
      ),
      { numRuns: 30 },
    )
  }, 120_000)
})
