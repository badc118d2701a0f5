/**
 * The fidelity cases of the model conformance suite: the stream shapes real servers send that an
 * adapter must read right, and the meaning a failure must keep. Each case is written once and
 * held against every adapter; a wire format that cannot carry a case's shape (several choices
 * exist only in Chat Completions) encodes the plain answer, which must then come out the same.
 *
 * @module
 */
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { Agent } from '../../agent/agent.js'
import { ModelError } from '../../errors/errors.js'
import type { Model } from '../../model/model.js'
import type { ModelRequest } from '../../model/model-request.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import { collectResponse } from '../../model/response-collector.js'
import { run } from '../../run/run.js'
import { tool } from '../../tool/tool.js'
import type { FakeProviderServer, FakeResponse } from '../fake-provider-server.js'
import type { WireAnswer } from '../provider-wire.js'

/** What the fidelity cases need from the suite. */
export interface FidelityCaseContext {
  withServer(body: (server: FakeProviderServer) => Promise<void>): () => Promise<void>
  model(server: FakeProviderServer, maxRetries?: number): Model
  answer(answer: WireAnswer): FakeResponse
  error(status: number, message: string): FakeResponse
}

const request: ModelRequest = {
  instructions: 'You are a test.',
  messages: [{ role: 'user', content: 'Hi' }],
  tools: [],
  toolChoice: 'auto',
}
const SECRET = 'sk-conformance-echoed-secret-0123456789'
const REQUEST_ID = 'req_conformance_0123456789'
const SIGNATURE = 'c2lnbmF0dXJlLWNvbmZvcm1hbmNl=='

async function failure(parts: AsyncIterable<ModelStreamPart>): Promise<{ error: unknown; texts: string }> {
  let texts = ''
  try {
    for await (const part of parts) if (part.type === 'text.delta') texts += part.delta
  } catch (error) {
    return { error, texts }
  }
  return { error: undefined, texts }
}

const textOf = (content: { type: string; text?: string }[]) =>
  content.map((part) => (part.type === 'text' ? part.text : '')).join('')

/** The fidelity cases for one adapter. */
export function fidelityCases(context: FidelityCaseContext): { name: string; run(): Promise<void> }[] {
  const { withServer, model } = context
  return [
    {
      name: 'keeps choice 0 of a stream with several choices (n > 1), never mixing them',
      run: withServer(async (server) => {
        server.enqueue(
          context.answer({
            text: 'Choice zero is the answer.',
            otherChoices: ['Another choice, which must never be mixed in.'],
          }),
        )
        const response = await collectResponse('test', model(server).stream(request))
        assert.equal(textOf(response.content), 'Choice zero is the answer.')
        assert.equal(response.finishReason, 'stop')
      }),
    },
    {
      name: 'takes responseId and modelId from the first chunk that has them (empty ones ignored)',
      run: withServer(async (server) => {
        server.enqueue(
          context.answer({
            text: 'Hello.',
            id: 'resp-conformance-1',
            model: 'model-x',
            emptyFirstChunk: true,
          }),
        )
        const response = await collectResponse('test', model(server).stream(request))
        assert.equal(response.responseId, 'resp-conformance-1')
        assert.equal(response.modelId, 'model-x')
        assert.equal(textOf(response.content), 'Hello.')
      }),
    },
    {
      name: 'gives a tool call with no input the arguments {} everywhere: response, items, next request',
      run: withServer(async (server) => {
        server.enqueue(
          context.answer({ toolCalls: [{ id: 'call_now', name: 'now', arguments: '' }] }),
          context.answer({ text: 'It is noon.' }),
        )
        const now = tool({ name: 'now', description: 'The time', parameters: [], execute: () => '12:00' })
        const agent = new Agent({ name: 'clock', model: model(server), tools: [now] })
        const result = await run(agent, 'Time?')
        assert.equal(result.output, 'It is noon.')
        const call = result.items.find((item) => item.type === 'tool.call')
        assert.ok(
          call?.type === 'tool.call' && call.arguments === '{}',
          `arguments {} (${JSON.stringify(call)})`,
        )
        const assistant = result.messages.find((message) => message.role === 'assistant')
        assert.match(JSON.stringify(assistant), /"arguments":"\{\}"/)
        // The call goes back as JSON: never as "" (Chat: arguments "{}", Responses: "{}", Anthropic: input {}).
        const sent = JSON.stringify(server.requests[1]?.body)
        assert.match(sent, /call_now/)
        assert.doesNotMatch(sent, /"arguments":""/)
      }),
    },
    {
      name: 'keeps the class of a 400-class error sent inside a 200 stream after text: not retryable, not "cut"',
      run: withServer(async (server) => {
        server.setFallback({
          ...context.answer({
            text: 'A partial answer',
            streamError: {
              type: 'invalid_request_error',
              code: 'context_length_exceeded',
              message: 'The request is longer than the context window.',
            },
          }),
          headers: { 'x-request-id': REQUEST_ID, 'request-id': REQUEST_ID },
        })
        const { error, texts } = await failure(model(server, 3).stream(request))
        assert.equal(texts, 'A partial answer')
        assert.ok(error instanceof ModelError, `a ModelError (${String(error)})`)
        assert.equal(error.isRetryable, false)
        assert.doesNotMatch(error.message, /cut/)
        assert.match(error.message, /longer than the context window/)
        assert.equal(error.requestId, REQUEST_ID)
        assert.equal(server.requests.length, 1)
      }),
    },
    {
      name: 'keeps an overloaded error sent inside a 200 stream retryable, without calling it "cut"',
      run: withServer(async (server) => {
        server.setFallback(
          context.answer({
            text: 'A partial answer',
            streamError: { type: 'overloaded_error', code: 'server_error', message: 'Overloaded' },
          }),
        )
        const { error } = await failure(model(server, 3).stream(request))
        assert.ok(error instanceof ModelError, `a ModelError (${String(error)})`)
        assert.equal(error.isRetryable, true)
        assert.doesNotMatch(error.message, /cut/)
        // Parts reached the caller: the adapter never retries behind its back.
        assert.equal(server.requests.length, 1)
      }),
    },
    {
      name: 'keeps the request id, status and error type of an HTTP error, and never a secret in any field',
      run: withServer(async (server) => {
        server.setFallback({
          ...context.error(400, `Invalid value; the key ${SECRET} is not allowed here`),
          headers: { 'x-request-id': REQUEST_ID, 'request-id': REQUEST_ID },
        })
        const { error } = await failure(model(server, 2).stream(request))
        assert.ok(error instanceof ModelError, `a ModelError (${String(error)})`)
        assert.equal(error.statusCode, 400)
        assert.equal(error.requestId, REQUEST_ID)
        assert.equal(error.type, 'invalid_request_error')
        assert.ok(!inspect(error, { depth: 8 }).includes(SECRET), 'no secret anywhere in the error')
      }),
    },
    {
      name: 'keeps provider data on a tool call (a Gemini thought signature) and sends it back with the call',
      run: withServer(async (server) => {
        const first = context.answer({
          toolCalls: [
            {
              id: 'call_weather',
              name: 'weather',
              arguments: '{"city":"Paris"}',
              providerData: { extra_content: { google: { thought_signature: SIGNATURE } } },
            },
          ],
        })
        server.enqueue(first, context.answer({ text: 'Sunny.' }))
        const weather = tool({
          name: 'weather',
          description: 'The weather',
          parameters: [{ name: 'city', type: 'string' }],
          execute: () => 'sunny',
        })
        const result = await run(new Agent({ name: 'w', model: model(server), tools: [weather] }), 'Weather?')
        assert.equal(result.output, 'Sunny.')
        // Only formats that carry provider data on a call (Chat Completions) can be held to sending it back.
        if (JSON.stringify(first).includes(SIGNATURE)) {
          assert.match(JSON.stringify(server.requests[1]?.body), new RegExp(SIGNATURE.replace(/=/g, '=')))
        }
      }),
    },
  ]
}
