/**
 * The conformance suite every model adapter runs: text, one tool call, parallel tool calls,
 * structured output, usage, errors, cancellation, retries, a stream cut mid-answer, an end-to-end
 * agent run, and the fidelity cases (several choices, empty first ids, calls without input, errors
 * inside a stream, request ids, provider data on tool calls), each against the fake provider
 * server through the adapter's real SDK.
 * Framework-neutral: it returns named cases that throw on failure (node:assert).
 *
 * @example
 * for (const check of modelConformanceCases({ createModel, answer: openaiChatStream, ... }))
 *   it(check.name, check.run)
 *
 * @module
 */
import assert from 'node:assert/strict'
import { Agent } from '../agent/agent.js'
import { ModelError } from '../errors/errors.js'
import type { AssistantPart } from '../messages/message.js'
import type { Model } from '../model/model.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelStreamPart } from '../model/model-stream-part.js'
import { collectResponse } from '../model/response-collector.js'
import { run } from '../run/run.js'
import { tool } from '../tool/tool.js'
import {
  createFakeProviderServer,
  type FakeProviderServer,
  type FakeResponse,
} from './fake-provider-server.js'
import { fidelityCases } from './model-conformance/fidelity-cases.js'
import type { WireAnswer } from './provider-wire.js'

/** How the suite drives one adapter. */
export interface ModelConformanceOptions {
  /** The model under test, talking to `server` with this retry budget (and fast backoff). */
  createModel(settings: { server: FakeProviderServer; maxRetries: number }): Model
  /** An answer in the provider's wire format (e.g. `openaiChatStream`). */
  answer(answer: WireAnswer): FakeResponse
  /** An HTTP error in the provider's format (e.g. `openaiError`). */
  error(status: number, message: string): FakeResponse
  /** The JSON Schema of the structured output found in a recorded request body. */
  outputSchemaOf(body: unknown): unknown
  /** The tool names found in a recorded request body. */
  toolNamesOf(body: unknown): string[]
}

/** One named check. */
export interface ConformanceCase {
  name: string
  run(): Promise<void>
}

const addTool = {
  name: 'add',
  description: 'Add two numbers',
  parameters: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
    additionalProperties: false,
  },
  strict: true,
}
const baseRequest: ModelRequest = {
  instructions: 'You are a test.',
  messages: [{ role: 'user', content: 'Hi' }],
  tools: [],
  toolChoice: 'auto',
}

async function drain(
  parts: AsyncIterable<ModelStreamPart>,
): Promise<{ seen: ModelStreamPart[]; error: unknown }> {
  const seen: ModelStreamPart[] = []
  try {
    for await (const part of parts) seen.push(part)
    return { seen, error: undefined }
  } catch (error) {
    return { seen, error }
  }
}

function calls(content: AssistantPart[]) {
  return content.flatMap((part) =>
    part.type === 'tool-call'
      ? [{ callId: part.callId, name: part.name, arguments: JSON.parse(part.arguments) as unknown }]
      : [],
  )
}

/** The conformance cases for one adapter. */
export function modelConformanceCases(options: ModelConformanceOptions): ConformanceCase[] {
  const withServer =
    (body: (server: FakeProviderServer) => Promise<void>): (() => Promise<void>) =>
    async () => {
      const server = await createFakeProviderServer()
      try {
        await body(server)
      } finally {
        await server.close()
      }
    }
  const model = (server: FakeProviderServer, maxRetries = 2) => options.createModel({ server, maxRetries })

  return [
    ...fidelityCases({ withServer, model, answer: options.answer, error: options.error }),
    {
      name: 'streams text in several deltas and ends with one finish part',
      run: withServer(async (server) => {
        server.enqueue(options.answer({ text: 'Hello, conformance world!' }))
        const { seen, error } = await drain(model(server).stream(baseRequest))
        assert.equal(error, undefined)
        const deltas = seen.filter((part) => part.type === 'text.delta')
        assert.ok(deltas.length > 1, 'text arrives in several deltas')
        assert.equal(deltas.map((part) => part.delta).join(''), 'Hello, conformance world!')
        assert.deepEqual(seen.filter((part) => part.type === 'finish').length, 1)
        assert.equal(seen.at(-1)?.type, 'finish')
        assert.equal(server.requests.length, 1)
      }),
    },
    {
      name: 'streams one tool call with its id, name and complete arguments',
      run: withServer(async (server) => {
        server.enqueue(
          options.answer({ toolCalls: [{ id: 'call_one', name: 'add', arguments: '{"a":2,"b":3}' }] }),
        )
        const response = await collectResponse(
          'test',
          model(server).stream({ ...baseRequest, tools: [addTool] }),
        )
        assert.deepEqual(calls(response.content), [
          { callId: 'call_one', name: 'add', arguments: { a: 2, b: 3 } },
        ])
        assert.equal(response.finishReason, 'tool-calls')
        assert.deepEqual(options.toolNamesOf(server.requests[0]?.body), ['add'])
      }),
    },
    {
      name: 'streams parallel tool calls, each complete, in order',
      run: withServer(async (server) => {
        server.enqueue(
          options.answer({
            toolCalls: [
              { id: 'call_a', name: 'add', arguments: '{"a":1,"b":2}' },
              { id: 'call_b', name: 'add', arguments: '{"a":30,"b":12}' },
            ],
          }),
        )
        const response = await collectResponse(
          'test',
          model(server).stream({ ...baseRequest, tools: [addTool], parallelToolCalls: true }),
        )
        assert.deepEqual(calls(response.content), [
          { callId: 'call_a', name: 'add', arguments: { a: 1, b: 2 } },
          { callId: 'call_b', name: 'add', arguments: { a: 30, b: 12 } },
        ])
      }),
    },
    {
      name: 'sends the structured output schema and returns the JSON answer',
      run: withServer(async (server) => {
        const schema = {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        }
        server.enqueue(options.answer({ text: '{"city":"Paris"}' }))
        const response = await collectResponse(
          'test',
          model(server).stream({ ...baseRequest, output: { name: 'final_output', schema, strict: true } }),
        )
        assert.deepEqual(options.outputSchemaOf(server.requests[0]?.body), schema)
        const text = response.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
        assert.deepEqual(JSON.parse(text), { city: 'Paris' })
      }),
    },
    {
      name: 'reports usage',
      run: withServer(async (server) => {
        server.enqueue(options.answer({ text: 'ok', usage: { inputTokens: 11, outputTokens: 7 } }))
        const response = await collectResponse('test', model(server).stream(baseRequest))
        assert.equal(response.usage.inputTokens, 11)
        assert.equal(response.usage.outputTokens, 7)
        assert.equal(response.usage.totalTokens, 18)
        assert.equal(response.finishReason, 'stop')
      }),
    },
    {
      name: 'fails with a non-retryable ModelError on 400 and 401, sending one request each',
      run: withServer(async (server) => {
        for (const status of [400, 401]) {
          server.reset()
          server.setFallback(options.error(status, `conformance says ${status}`))
          const { error } = await drain(model(server, 3).stream(baseRequest))
          assert.ok(error instanceof ModelError, `a ModelError for ${status}`)
          assert.equal(error.statusCode, status)
          assert.equal(error.isRetryable, false)
          assert.match(error.message, new RegExp(`conformance says ${status}`))
          assert.equal(server.requests.length, 1)
        }
      }),
    },
    {
      name: 'retries 503 within one budget: exactly maxRetries + 1 requests',
      run: withServer(async (server) => {
        server.enqueue(
          options.error(503, 'busy'),
          options.error(503, 'busy'),
          options.answer({ text: 'third time' }),
        )
        const response = await collectResponse('test', model(server, 2).stream(baseRequest))
        assert.equal(
          response.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
          'third time',
        )
        assert.equal(server.requests.length, 3)

        server.reset()
        server.setFallback(options.error(503, 'always busy'))
        const { error } = await drain(model(server, 2).stream(baseRequest))
        assert.ok(error instanceof ModelError && error.isRetryable && error.statusCode === 503)
        assert.equal(server.requests.length, 3)
      }),
    },
    {
      name: 'ends a stream cut mid-answer with a retryable ModelError and no finish part',
      run: withServer(async (server) => {
        const answer = options.answer({ text: 'This answer will be cut somewhere in the middle.' })
        server.setFallback({ ...answer, cutAfterEvents: 6 })
        const { seen, error } = await drain(model(server, 2).stream(baseRequest))
        assert.ok(error instanceof ModelError && error.isRetryable, 'a retryable ModelError')
        assert.ok(!seen.some((part) => part.type === 'finish'), 'no finish part')
      }),
    },
    {
      name: 'stops promptly when the signal aborts, with the signal reason',
      run: withServer(async (server) => {
        server.setFallback({ ...options.answer({ text: 'a slow answer in many pieces' }), chunkDelayMs: 150 })
        const controller = new AbortController()
        const reason = new Error('stop now')
        const started = Date.now()
        const { error } = await drain(
          (async function* () {
            for await (const part of model(server).stream(baseRequest, { signal: controller.signal })) {
              if (part.type === 'text.delta') controller.abort(reason)
              yield part
            }
          })(),
        )
        assert.equal(error, reason)
        assert.ok(Date.now() - started < 1500, 'stopped promptly')
      }),
    },
    {
      name: 'runs an agent end to end: tool call, tool result sent back, final answer',
      run: withServer(async (server) => {
        server.enqueue(
          options.answer({ toolCalls: [{ id: 'call_sum', name: 'add', arguments: '{"a":2,"b":3}' }] }),
          options.answer({ text: 'The sum is 5.' }),
        )
        const add = tool({
          name: 'add',
          description: 'Add two numbers',
          parameters: [
            { name: 'a', type: 'number' },
            { name: 'b', type: 'number' },
          ],
          execute: ({ a, b }) => (a as number) + (b as number),
        })
        const agent = new Agent({
          name: 'calc',
          instructions: 'Use tools.',
          model: model(server),
          tools: [add],
        })
        const result = await run(agent, 'What is 2 + 3?')
        assert.equal(result.status, 'completed')
        assert.equal(result.output, 'The sum is 5.')
        assert.deepEqual(
          result.items.map((item) => item.type),
          ['tool.call', 'tool.result', 'message'],
        )
        assert.equal(server.requests.length, 2)
        assert.match(JSON.stringify(server.requests[1]?.body), /call_sum/)
        assert.match(JSON.stringify(server.requests[1]?.body), /"5"|\\"5\\"|:5\b|"content":"5"/)
      }),
    },
  ]
}
