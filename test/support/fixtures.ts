import { readFileSync } from 'node:fs'
import type { FakeResponse } from 'agentloop/testing'
import { root } from './build.js'

/** The text of a recorded provider fixture, such as `openai-chat/stream-text-usage.sse`. */
export function readFixture(name: string): string {
  return readFileSync(`${root}/test/__fixtures__/providers/${name}`, 'utf8')
}

/** A recorded fixture as a fake-server answer: SSE replayed byte for byte, JSON with its status. */
export function fixture(name: string, status = 200, headers?: Record<string, string>): FakeResponse {
  const text = readFixture(name)
  const response: FakeResponse = name.endsWith('.sse') ? { sse: text, status } : { json: text, status }
  if (headers !== undefined) response.headers = headers
  return response
}

type Part = import('agentloop').AssistantPart

/** The tool calls of a response's content, as plain `{ callId, name, arguments }`. */
export function callsOf(content: Part[]): { callId: string; name: string; arguments: string }[] {
  return content.flatMap((part) =>
    part.type === 'tool-call' ? [{ callId: part.callId, name: part.name, arguments: part.arguments }] : [],
  )
}

/** The text of a response's content. */
export function textOf(content: Part[]): string {
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('')
}

/** The reasoning text of a response's content. */
export function reasoningOf(content: Part[]): string {
  return content.map((part) => (part.type === 'reasoning' ? part.text : '')).join('')
}
