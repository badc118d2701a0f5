import { appendFileSync } from 'node:fs'
import { z } from 'zod'
import { Agent } from '../../src/agent/agent.js'
import type { ModelRequest } from '../../src/model/model-request.js'
import type { RunnableContext } from '../../src/run/runnable.js'
import { type ScriptedTurnSpec, scriptedModel } from '../../src/testing/scripted-model.js'
import { tool } from '../../src/tool/tool.js'

/**
 * The agent of the multi-process runner test: each run looks a price up (idempotent, slow enough
 * for a SIGKILL to land in it), charges once (not idempotent: every execution is appended to
 * `ledger`, one line per call, so a second execution shows), then answers.
 */
export function ledgerAgent(ledger: string): Agent<unknown, string> {
  const lookup = tool({
    name: 'lookup',
    description: 'Look a price up',
    parameters: z.object({ item: z.string() }),
    idempotent: true,
    execute: async ({ item }, { signal }) => {
      await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 40))
      signal?.throwIfAborted()
      return `${item}: 42`
    },
  })
  const charge = tool({
    name: 'charge',
    description: 'Charge the customer',
    parameters: z.object({ amount: z.number() }),
    execute: ({ amount }, { runId, callId }) => {
      appendFileSync(ledger, `${runId} ${callId} ${amount}\n`)
      return 'charged'
    },
  })
  // Stateless turns (each answers from the conversation), enough for every run a process makes.
  const turn = (request: ModelRequest): ScriptedTurnSpec => {
    const results = request.messages.filter((message) => message.role === 'tool').length
    if (results === 0) return { toolCalls: [{ name: 'lookup', arguments: { item: 'book' }, callId: 'look' }] }
    if (results === 1) return { toolCalls: [{ name: 'charge', arguments: { amount: 42 }, callId: 'pay' }] }
    return { text: 'Paid 42.' }
  }
  return new Agent({
    name: 'shop',
    model: scriptedModel(Array.from({ length: 5000 }, () => turn)),
    tools: [lookup, charge],
  })
}

/** A runnable that waits until it is cancelled (or 60 s). */
export const sleeper = {
  name: 'sleeper',
  run: ({ signal }: RunnableContext) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve('woke'), 60_000)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        reject(signal.reason)
      })
    }),
}
