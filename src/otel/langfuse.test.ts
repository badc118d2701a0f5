import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Agent, Runtime, tool } from 'agentloop'
import { createTracing, langfuseExporterOptions } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { useContextManager } from '../../test/support/otel.js'

interface Received {
  method: string | undefined
  path: string | undefined
  headers: IncomingHttpHeaders
  body: string
}

/** A local stand-in for Langfuse's OTLP endpoint that records each request. */
const received: Received[] = []
const server = createServer((request, response) => {
  let body = ''
  request.setEncoding('utf8')
  request.on('data', (chunk: string) => {
    body += chunk
  })
  request.on('end', () => {
    received.push({ method: request.method, path: request.url, headers: request.headers, body })
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('{}')
  })
})
let baseUrl = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

interface OtlpSpan {
  name: string
  kind: number
  spanId: string
  parentSpanId?: string
  attributes: { key: string; value: Record<string, unknown> }[]
}

describe('Langfuse over OTLP/HTTP', () => {
  it('sends the spans as OTLP JSON to /api/public/otel/v1/traces with Basic auth and the ingestion version header', async () => {
    useContextManager()
    const exporter = new OTLPTraceExporter(
      langfuseExporterOptions({ publicKey: 'pk-lf-test', secretKey: 'sk-lf-test', baseUrl: `${baseUrl}/` }),
    )
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
    const tracing = createTracing({ tracerProvider: provider, meterProvider: false })
    const add = tool({
      name: 'add',
      description: 'Add',
      parameters: z.object({ a: z.number(), b: z.number() }),
      execute: async ({ a, b }) => a + b,
    })
    const model = scriptedModel(
      [{ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 }, callId: 'c1' }] }, { text: '3' }],
      { provider: 'openai', modelId: 'gpt-5-mini' },
    )
    await new Runtime({ observers: [tracing] }).run(new Agent({ name: 'calc', model, tools: [add] }), 'add')
    await provider.forceFlush()
    await provider.shutdown()

    expect(received.length).toBeGreaterThan(0)
    const [first] = received
    expect(first?.method).toBe('POST')
    expect(first?.path).toBe('/api/public/otel/v1/traces')
    expect(first?.headers.authorization).toBe(
      `Basic ${Buffer.from('pk-lf-test:sk-lf-test').toString('base64')}`,
    )
    expect(first?.headers['x-langfuse-ingestion-version']).toBe('4')
    expect(first?.headers['content-type']).toBe('application/json')

    const spans: OtlpSpan[] = received.flatMap((request) =>
      JSON.parse(request.body).resourceSpans.flatMap((resource: { scopeSpans: { spans: OtlpSpan[] }[] }) =>
        resource.scopeSpans.flatMap((scope) => scope.spans),
      ),
    )
    expect(spans.map((span) => span.name).sort()).toEqual([
      'chat gpt-5-mini',
      'chat gpt-5-mini',
      'execute_tool add',
      'invoke_agent calc',
    ])
    const attribute = (span: OtlpSpan | undefined, key: string) =>
      span?.attributes.find((entry) => entry.key === key)?.value
    const run = spans.find((span) => span.name === 'invoke_agent calc')
    const chat = spans.find((span) => span.name === 'chat gpt-5-mini')
    const toolSpan = spans.find((span) => span.name === 'execute_tool add')
    expect(attribute(run, 'gen_ai.operation.name')).toEqual({ stringValue: 'invoke_agent' })
    expect(attribute(chat, 'gen_ai.request.model')).toEqual({ stringValue: 'gpt-5-mini' })
    expect(attribute(chat, 'gen_ai.provider.name')).toEqual({ stringValue: 'openai' })
    expect(attribute(chat, 'gen_ai.usage.input_tokens')).toEqual({ intValue: expect.anything() })
    expect(chat?.kind).toBe(3) // SPAN_KIND_CLIENT in OTLP
    expect(attribute(toolSpan, 'gen_ai.tool.call.id')).toEqual({ stringValue: 'c1' })
    expect(toolSpan?.parentSpanId).toBe(run?.spanId)
  })

  it('names the field when the keys or the URL are wrong', () => {
    expect(() => langfuseExporterOptions({ publicKey: '', secretKey: 'sk-lf-x' })).toThrow(
      /publicKey must be/,
    )
    expect(() => langfuseExporterOptions({ publicKey: 'pk-lf-x' } as never)).toThrow(/secretKey must be/)
    expect(() => langfuseExporterOptions({ publicKey: 'p', secretKey: 's', baseUrl: 'not a url' })).toThrow(
      /baseUrl must be an http\(s\) URL/,
    )
    expect(() => langfuseExporterOptions({ publicKey: 'p', secretKey: 's', baseUrl: 'grpc://x' })).toThrow(
      /baseUrl must use http or https/,
    )
    expect(langfuseExporterOptions({ publicKey: 'p', secretKey: 's' }).url).toBe(
      'https://cloud.langfuse.com/api/public/otel/v1/traces',
    )
  })
})
