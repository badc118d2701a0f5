import { Agent, Runtime, tool } from 'agentloop'
import { createTracing, type TraceEvent } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createOtelTestKit, dumpSpans } from '../../test/support/otel.js'

const CONTEXT_SECRET = 'ctx-secret-7f3a9c2e1b'
const ARGUMENT_SECRET = 'hunter2-arg-secret-55'
const PROVIDER_KEY = 'sk-proj-AbCdEfGhIjKlMnOp1234'

interface Ctx {
  apiToken: string
}

const login = tool({
  name: 'login',
  description: 'Log in',
  parameters: z.object({ user: z.string(), password: z.string() }),
  execute: async ({ user }, { context }: { context: Ctx }) =>
    `logged in ${user} with token length ${context.apiToken.length}`,
})

function scriptedLogin() {
  return scriptedModel([
    { toolCalls: [{ name: 'login', arguments: { user: 'ada', password: ARGUMENT_SECRET } }] },
    { text: `welcome ada (your key ${PROVIDER_KEY})` },
  ])
}

describe('content in spans', () => {
  it('records no message, argument or result content by default', async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })
    const agent = new Agent<Ctx>({ name: 'a', model: scriptedLogin(), tools: [login] })
    await new Runtime({ observers: [tracing] }).run(agent, 'log me in as ada', {
      context: { apiToken: CONTEXT_SECRET },
    })
    const dump = dumpSpans(kit.spans())
    for (const hidden of [CONTEXT_SECRET, ARGUMENT_SECRET, PROVIDER_KEY, 'log me in as ada', 'welcome ada']) {
      expect(dump).not.toContain(hidden)
    }
    for (const span of kit.spans()) {
      for (const name of Object.keys(span.attributes)) {
        expect(name).not.toMatch(/messages|arguments|result/)
      }
    }
  })

  it('with captureContent: messages, arguments and results are recorded, redacted; the run context never', async () => {
    const kit = createOtelTestKit()
    const seen: TraceEvent[] = []
    const tracing = createTracing({
      tracerProvider: kit.tracerProvider,
      meterProvider: false,
      sinks: [{ trace: (event) => seen.push(event) }],
      captureContent: true,
      secrets: [ARGUMENT_SECRET],
    })
    const agent = new Agent<Ctx>({ name: 'a', model: scriptedLogin(), tools: [login] })
    await new Runtime({ observers: [tracing] }).run(agent, 'log me in as ada', {
      context: { apiToken: CONTEXT_SECRET },
    })
    const dump = dumpSpans(kit.spans())
    const sinkDump = JSON.stringify(seen)
    for (const text of [dump, sinkDump]) {
      expect(text).not.toContain(CONTEXT_SECRET)
      expect(text).not.toContain(ARGUMENT_SECRET)
      expect(text).not.toContain(PROVIDER_KEY)
    }
    const run = kit.span('invoke_agent a')
    expect(JSON.parse(run.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'log me in as ada' }] },
    ])
    const toolSpan = kit.span('execute_tool login')
    expect(JSON.parse(toolSpan.attributes['gen_ai.tool.call.arguments'] as string)).toEqual({
      user: 'ada',
      password: '[redacted]',
    })
    expect(toolSpan.attributes['gen_ai.tool.call.result']).toBe(
      `logged in ada with token length ${CONTEXT_SECRET.length}`,
    )
    const [first, last] = kit.spans().filter((span) => span.name.startsWith('chat '))
    const calls = JSON.parse(first?.attributes['gen_ai.output.messages'] as string)
    expect(calls[0].parts[0]).toMatchObject({ type: 'tool_call', name: 'login' })
    expect(calls[0].parts[0].arguments).toContain('[redacted]')
    expect(last?.attributes['gen_ai.output.messages']).toContain('welcome ada (your key [redacted])')
  })

  it("applies the user's redact function to every recorded value, and drops a value whose redaction throws", async () => {
    const kit = createOtelTestKit()
    const where: string[] = []
    const tracing = createTracing({
      tracerProvider: kit.tracerProvider,
      meterProvider: false,
      captureContent: true,
      redact: (text, { attribute }) => {
        where.push(attribute)
        if (attribute === 'gen_ai.tool.call.result') throw new Error('cannot redact')
        return text.replaceAll('ada', '<user>')
      },
    })
    const agent = new Agent<Ctx>({ name: 'a', model: scriptedLogin(), tools: [login] })
    await new Runtime({ observers: [tracing] }).run(agent, 'log me in as ada', {
      context: { apiToken: CONTEXT_SECRET },
    })
    expect(new Set(where)).toEqual(
      new Set([
        'gen_ai.input.messages',
        'gen_ai.output.messages',
        'gen_ai.tool.call.arguments',
        'gen_ai.tool.call.result',
      ]),
    )
    const dump = dumpSpans(kit.spans())
    expect(dump).not.toContain('ada')
    expect(dump).toContain('<user>')
    expect(kit.span('execute_tool login').attributes['gen_ai.tool.call.result']).toBe('[redaction failed]')
  })

  it('cuts long values at maxContentLength with a marker', async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({
      tracerProvider: kit.tracerProvider,
      meterProvider: false,
      captureContent: true,
      maxContentLength: 100,
    })
    const model = scriptedModel([{ text: 'z'.repeat(1000) }])
    await new Runtime({ observers: [tracing] }).run(new Agent({ name: 'long', model }), 'q')
    const output = kit.span('chat scripted-model').attributes['gen_ai.output.messages'] as string
    expect(output.length).toBeLessThan(160)
    expect(output).toMatch(/…\[truncated \d+ characters\]$/)
  })

  it('rejects bad content options with the field named', () => {
    expect(() =>
      createTracing({ openTelemetry: false, sinks: [{ trace() {} }], maxContentLength: 3 }),
    ).toThrow(/maxContentLength must be an integer of at least 16/)
    expect(() =>
      createTracing({
        openTelemetry: false,
        sinks: [{ trace() {} }],
        secrets: ['ok', 7 as unknown as string],
      }),
    ).toThrow(/secrets must be an array of strings/)
    expect(() =>
      createTracing({
        openTelemetry: false,
        sinks: [{ trace() {} }],
        captureContent: 'yes' as unknown as boolean,
      }),
    ).toThrow(/captureContent must be true or false/)
    expect(() =>
      createTracing({ openTelemetry: false, sinks: [{ trace() {} }], capture: true } as never),
    ).toThrow(/capture/)
  })
})
