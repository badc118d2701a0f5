/**
 * Agents, models and a crashing storage shared by the multi-agent tests (src/run/handoff*.test.ts,
 * src/run/agent-tool*.test.ts).
 */
import { z } from 'zod'
import { Agent } from '../../src/agent/agent.js'
import type { ModelRequest } from '../../src/model/model-request.js'
import type { Storage } from '../../src/storage/storage.js'
import { type ScriptedTurnSpec, scriptedModel } from '../../src/testing/scripted-model.js'
import { tool } from '../../src/tool/tool.js'

export const usage = { inputTokens: 10, outputTokens: 5 }

/** A model deciding from the request alone (so a resumed run gets the same answers). */
export function statelessModel(decide: (request: ModelRequest) => ScriptedTurnSpec) {
  return scriptedModel(Array.from({ length: 20 }, () => decide))
}

/** Whether the request holds a result of tool `name`. */
export const hasResult = (request: ModelRequest, name: string) =>
  request.messages.some((message) => message.role === 'tool' && message.toolName === name)

/** The contents of the request's tool results. */
export const toolResults = (request: ModelRequest) =>
  request.messages.filter((message) => message.role === 'tool').map((message) => message.content)

/** Two specialists: billing (text) and "Refund Desk" (a structured output). */
export function specialists() {
  const billingModel = statelessModel(() => ({ text: 'Your invoice is paid.', usage }))
  const refundsModel = statelessModel(() => ({ text: '{"refunded":true,"amount":40}', usage }))
  const billing = new Agent({
    name: 'billing',
    instructions: 'You answer billing questions.',
    handoffDescription: 'Invoices and payments.',
    model: billingModel,
  })
  const refunds = new Agent({
    name: 'Refund Desk',
    instructions: 'You process refunds.',
    model: refundsModel,
    output: z.object({ refunded: z.boolean(), amount: z.number() }),
  })
  return { billing, refunds, billingModel, refundsModel }
}

/** A researcher that calls `pay` once (when given), then answers with what it saw. */
export function researcherAgent(options: { needsApproval?: boolean; log?: string[] } = {}) {
  const log = options.log ?? []
  const pay = tool({
    name: 'pay',
    description: 'Pay for a report (never twice)',
    parameters: z.object({ amount: z.number() }),
    needsApproval: options.needsApproval ?? false,
    execute: ({ amount }, { idempotencyKey }) => {
      log.push(idempotencyKey)
      return `paid ${amount}`
    },
  })
  const model = statelessModel((request) => {
    const results = toolResults(request)
    if (results.length === 0)
      return { toolCalls: [{ name: 'pay', arguments: { amount: 3 }, callId: 'p1' }], usage }
    return { text: `facts (${results.join(', ')})`, usage }
  })
  const agent = new Agent({ name: 'researcher', instructions: 'Research.', model, tools: [pay] })
  return { agent, model, log }
}

/** A writer that asks the researcher once, then answers with the research. */
export function writerAgent(researcher: Agent) {
  const model = statelessModel((request) => {
    const results = toolResults(request)
    if (results.length === 0) {
      return { toolCalls: [{ name: 'researcher', arguments: { input: 'find facts' }, callId: 'r1' }], usage }
    }
    return { text: `article: ${results.join(' | ')}`, usage }
  })
  const agent = new Agent({
    name: 'writer',
    model,
    tools: [researcher.asTool({ description: 'Research a topic' })],
  })
  return { agent, model }
}

/** A storage whose saves fail from the first one `crashOn` picks on, as if the process died there. */
export function crashingStorage(
  storage: Storage,
  crashOn: (input: { reason: string; runId: string }) => boolean,
): Storage {
  let crashed = false
  const die = () => Promise.reject(new Error('process died'))
  return {
    ...storage,
    runs: {
      ...storage.runs,
      save: (input) => {
        const report = input.events?.find((event) => event.type === 'checkpoint.save')
        const reason = report?.type === 'checkpoint.save' ? report.reason : 'unknown'
        if (!crashed && crashOn({ reason, runId: input.runId })) crashed = true
        return crashed ? die() : storage.runs.save(input)
      },
      appendEvents: (...args) => (crashed ? die() : storage.runs.appendEvents(...args)),
    },
  }
}
