/**
 * The OpenAI-compatible endpoint: `GET /v1/models` lists the agents a key may use and
 * `POST /v1/chat/completions` runs one (`model` = the agent's name), answering a
 * `chat.completion`, or `chat.completion.chunk`s ending with `data: [DONE]` when `stream` is true.
 * The agent's tools run on the server; tools the client sends come back as `tool_calls`.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import { describeError } from '../errors/describe-error.js'
import type { RunEndEvent, RunUsage } from '../events/run-event.js'
import { messageText } from '../messages/message.js'
import type { AgentCatalog } from './agent-catalog.js'
import { mayReach } from './audit-trail.js'
import { eventStream } from './event-stream.js'
import { budgetExceeded, circuitOpen, HttpError } from './http-error.js'
import { agentForRequest } from './openai-agent.js'
import { ChatCompletionRequest, toMessages } from './openai-messages.js'
import { requireScope } from './principal.js'
import type { RouteOptions } from './register-api-routes.js'
import { AUTH_ERRORS, BEARER, json, jsonBody } from './route-helpers.js'
import type { RunLauncher } from './run-launcher.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const OpenAIError = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .meta({ id: 'OpenAIError' })
const ToolCallOut = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
})
const CompletionUsage = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
})
const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.null(),
          tool_calls: z.array(ToolCallOut).optional(),
        }),
        logprobs: z.null(),
        finish_reason: z.enum(['stop', 'length', 'tool_calls']),
      }),
    ),
    usage: CompletionUsage,
  })
  .meta({ id: 'ChatCompletion' })

const openAIErrors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: 'Error (OpenAI shape)', content: { 'application/json': { schema: OpenAIError } } },
    ]),
  )

function usageOf(usage: RunUsage | undefined) {
  return {
    prompt_tokens: usage?.inputTokens ?? 0,
    completion_tokens: usage?.outputTokens ?? 0,
    total_tokens: usage?.totalTokens ?? 0,
  }
}

const outputText = (output: unknown) =>
  output === undefined || output === null ? '' : typeof output === 'string' ? output : JSON.stringify(output)

/** Adds `/v1/models` and `/v1/chat/completions`. */
export function registerOpenAIRoutes(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  deps: { catalog: AgentCatalog; launcher: RunLauncher; options: RouteOptions },
): void {
  const { catalog, launcher, options } = deps
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models',
      tags: ['openai'],
      summary: 'The agents this key may use, as OpenAI models',
      security: BEARER,
      responses: {
        200: json(
          z.object({
            object: z.literal('list'),
            data: z.array(
              z.object({
                id: z.string(),
                object: z.literal('model'),
                created: z.number(),
                owned_by: z.string(),
              }),
            ),
          }),
          'Models',
        ),
        ...openAIErrors(...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const agents = await catalog.list(principal.scopes.includes('admin') ? undefined : principal.owner)
      return context.json(
        {
          object: 'list' as const,
          data: agents.map((agent) => ({
            id: agent.name,
            object: 'model' as const,
            created: Math.floor((agent.createdAt ?? server.startedAt) / 1000),
            owned_by: agent.owner ?? 'agentloop',
          })),
        },
        200,
      )
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/chat/completions',
      tags: ['openai'],
      summary: 'Run an agent as an OpenAI chat completion (model = agent name)',
      description:
        "The agent's own tools run on the server; only its answer reaches the client. Tools the client sends are offered to the model too: a call of one ends the request with finish_reason tool_calls, and the client sends the results in its next request. With stream: true the answer is chat.completion.chunk events ending with data: [DONE]; stream_options.include_usage adds a last chunk with the usage. X-Agentloop-Run-Id names the run.",
      security: BEARER,
      request: jsonBody(ChatCompletionRequest),
      responses: {
        200: {
          description: 'A chat.completion, or chat.completion.chunk events (SSE)',
          content: {
            'application/json': { schema: ChatCompletion },
            'text/event-stream': { schema: z.string() },
          },
        },
        ...openAIErrors(400, 404, 413, 415, 422, 502, 503, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      const body = context.req.valid('json')
      const entry = await catalog.get(body.model)
      if (
        entry === null ||
        (entry.info.owner !== undefined &&
          !(await mayReach(server.storage, principal, {
            kind: 'agent',
            id: entry.info.name,
            owner: entry.info.owner,
          })))
      ) {
        throw new HttpError({
          type: 'not_found',
          field: 'body.model',
          message: `The model "${body.model}" does not exist: model names an agent (GET /v1/models lists them).`,
        })
      }
      const messages = toMessages(body.messages)
      const { agent, clientTools } = agentForRequest(entry.agent, body, server.runtime.storage !== undefined)
      const created = Math.floor(Date.now() / 1000)
      const launch = { principal, agent, input: messages }
      if (body.stream === true) {
        const stream = await launcher.start(launch)
        const id = `chatcmpl-${stream.runId}`
        context.header('X-Agentloop-Run-Id', stream.runId)
        const includeUsage = body.stream_options?.include_usage === true
        const chunk = (choices: unknown[], usage?: unknown) =>
          JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model: body.model,
            system_fingerprint: null,
            choices,
            ...(includeUsage ? { usage: usage ?? null } : {}),
          })
        const delta = (value: Record<string, unknown>, finish: string | null = null) =>
          chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finish }])
        return eventStream(
          context,
          { keepAliveMs: options.sseKeepAliveMs, shutdown: options.shutdown },
          async (writer) => {
            await writer.send({ data: delta({ role: 'assistant', content: '' }) })
            const calls: { id: string; name: string; arguments: string }[] = []
            let streamedText = false
            let end: RunEndEvent | undefined
            for await (const event of stream) {
              if (event.type === 'text.delta') {
                streamedText = true
                await writer.send({ data: delta({ content: event.delta }) })
              } else if (event.type === 'approval.request' && clientTools.has(event.toolName)) {
                calls.push({
                  id: event.callId,
                  name: event.toolName,
                  arguments: JSON.stringify(event.arguments),
                })
              } else if (event.type === 'run.end') {
                end = event
              }
            }
            if (end === undefined || end.status === 'failed' || end.status === 'cancelled') {
              const message = end?.error?.message ?? 'The run ended without an answer.'
              await writer.send({
                data: JSON.stringify({
                  error: { message, type: 'server_error', param: null, code: end?.error?.name ?? null },
                }),
              })
              await writer.send({ data: '[DONE]' })
              return
            }
            if (end.status === 'completed' && !streamedText && end.output !== undefined) {
              await writer.send({ data: delta({ content: outputText(end.output) }) })
            }
            for (const [index, call] of calls.entries()) {
              await writer.send({
                data: delta({
                  tool_calls: [
                    {
                      index,
                      id: call.id,
                      type: 'function',
                      function: { name: call.name, arguments: call.arguments },
                    },
                  ],
                }),
              })
            }
            await writer.send({ data: delta({}, calls.length > 0 ? 'tool_calls' : 'stop') })
            if (includeUsage) await writer.send({ data: chunk([], usageOf(end.usage)) })
            await writer.send({ data: '[DONE]' })
          },
        )
      }

      const started = await launcher.run(launch)
      const id = `chatcmpl-${started.runId}`
      context.header('X-Agentloop-Run-Id', started.runId)
      let result: Awaited<typeof started.result>
      try {
        result = await started.result
      } catch (error) {
        const unavailable = circuitOpen(error)
        if (unavailable !== undefined) throw unavailable
        // A budget refused a model call: 429 (insufficient_quota), as before the run started.
        if (error instanceof BudgetExceededError) throw budgetExceeded(error)
        const described = describeError(error)
        throw new HttpError({
          type: described.name === 'ConfigError' ? 'invalid_request' : 'internal',
          message: `The agent's run failed: ${described.name}: ${described.message}`,
        })
      }
      const toolCalls = result.interruptions
        .filter((entry) => clientTools.has(entry.toolName))
        .map((entry) => ({
          id: entry.callId,
          type: 'function' as const,
          function: { name: entry.toolName, arguments: JSON.stringify(entry.arguments) },
        }))
      const lastAssistant = result.messages.findLast((message) => message.role === 'assistant')
      const content =
        result.status === 'completed'
          ? outputText(result.output)
          : lastAssistant === undefined
            ? null
            : messageText(lastAssistant) || null
      return context.json(
        {
          id,
          object: 'chat.completion' as const,
          created,
          model: body.model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant' as const,
                content,
                refusal: null,
                ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
              },
              logprobs: null,
              finish_reason: toolCalls.length > 0 ? ('tool_calls' as const) : ('stop' as const),
            },
          ],
          usage: usageOf(result.usage),
        },
        200,
      )
    },
  )
}
