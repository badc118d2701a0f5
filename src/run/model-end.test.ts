import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { collectEvents, eventsOfType, streamedText } from '../testing/collect-events.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { stream } from './run.js'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

describe('model.end', () => {
  it("carries each turn's completed text, reasoning and tool calls, equal to what the deltas spell", async () => {
    const model = scriptedModel(
      [
        {
          text: 'Let me add those.',
          reasoning: 'The user wants a sum.',
          toolCalls: [
            { name: 'add', arguments: { a: 2, b: 3 } },
            { name: 'add', arguments: { a: 4, b: 5 } },
          ],
        },
        { text: 'The sums are 5 and 9, computed with the add tool.' },
      ],
      { chunkSize: 3 },
    )
    const events = await collectEvents(stream(new Agent({ name: 'calc', model, tools: [add] }), 'Add'))
    const ends = eventsOfType(events, 'model.end')
    expect(ends).toHaveLength(2)
    const [first, second] = ends
    for (const end of ends) {
      const turnEvents = events.filter((event) => 'turn' in event && event.turn === end.turn)
      expect(end.text).toBe(streamedText(turnEvents))
    }
    expect(first).toMatchObject({
      turn: 1,
      finishReason: 'tool-calls',
      text: 'Let me add those.',
      reasoning: 'The user wants a sum.',
      toolCalls: [
        { callId: 'call_1_0', toolName: 'add', arguments: '{"a":2,"b":3}' },
        { callId: 'call_1_1', toolName: 'add', arguments: '{"a":4,"b":5}' },
      ],
    })
    // The ids are those of the tool events that follow, so a consumer can join them.
    expect(eventsOfType(events, 'tool.start').map((event) => event.callId)).toEqual(
      first?.toolCalls.map((call) => call.callId),
    )
    expect(second).toMatchObject({
      turn: 2,
      finishReason: 'stop',
      text: 'The sums are 5 and 9, computed with the add tool.',
      toolCalls: [],
    })
    expect(second && 'reasoning' in second).toBe(false)
  })

  it('reports the unique ids a run gives to calls that arrive with empty or repeated ids', async () => {
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'add', arguments: { a: 1, b: 1 }, callId: '' },
          { name: 'add', arguments: { a: 2, b: 2 }, callId: 'same' },
          { name: 'add', arguments: { a: 3, b: 3 }, callId: 'same' },
        ],
      },
      { text: 'done' },
    ])
    const events = await collectEvents(stream(new Agent({ name: 'a', model, tools: [add] }), 'x'))
    const reported = eventsOfType(events, 'model.end')[0]?.toolCalls.map((call) => call.callId)
    expect(reported).toEqual(['call_1_0', 'same', 'call_1_2'])
    expect(eventsOfType(events, 'tool.end').map((event) => event.callId)).toEqual(reported)
  })

  it('carries the answer a beforeModel hook gave and the response an afterModel hook rewrote', async () => {
    const answered = new Agent({
      name: 'a',
      model: scriptedModel([]),
      hooks: {
        beforeModel: () => ({
          response: {
            content: [{ type: 'text', text: 'cached answer' }],
            finishReason: 'stop',
            usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
          },
        }),
      },
    })
    const fromHook = await collectEvents(stream(answered, 'x'))
    expect(eventsOfType(fromHook, 'model.end')[0]).toMatchObject({ text: 'cached answer', toolCalls: [] })

    const rewritten = new Agent({
      name: 'b',
      model: scriptedModel([{ text: 'first draft' }]),
      hooks: {
        afterModel: ({ response }) => ({
          response: { ...response, content: [{ type: 'text', text: 'redacted answer' }] },
        }),
      },
    })
    const events = stream(rewritten, 'x')
    const afterHook = await collectEvents(events)
    expect(eventsOfType(afterHook, 'model.end')[0]).toMatchObject({ text: 'redacted answer' })
    expect((await events.result).output).toBe('redacted answer')
  })
})
