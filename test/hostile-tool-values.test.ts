import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent, type RunEvent, run, StepFailedError, steps, stream, tool } from '../src/index.js'
import { scriptedModel } from '../src/testing/index.js'

/** Values a tool could throw that break naive `error.message` / `String(error)` / `instanceof`. */
function hostileValues(): { name: string; value: () => unknown }[] {
  return [
    {
      name: 'a cyclic null-prototype object',
      value: () => {
        const value = Object.create(null) as Record<string, unknown>
        value.self = value
        return value
      },
    },
    {
      name: 'a revoked Proxy',
      value: () => {
        const { proxy, revoke } = Proxy.revocable({}, {})
        revoke()
        return proxy
      },
    },
    {
      name: 'an Error whose message getter throws',
      value: () => {
        const error = new Error('hidden')
        Object.defineProperty(error, 'message', {
          get() {
            throw new TypeError('no message for you')
          },
        })
        return error
      },
    },
    {
      name: 'an Error whose name getter throws',
      value: () => {
        const error = new Error('the real message')
        Object.defineProperty(error, 'name', {
          get() {
            throw new TypeError('no name for you')
          },
        })
        return error
      },
    },
  ]
}

describe('a tool that throws a hostile value', () => {
  for (const { name, value } of hostileValues()) {
    it(`turns ${name} into an error result the model sees, and the run goes on`, async () => {
      const explode = tool({
        name: 'explode',
        description: 'Throws',
        parameters: z.object({}),
        execute: () => {
          throw value()
        },
      })
      const model = scriptedModel([
        { toolCalls: [{ name: 'explode', arguments: {} }] },
        { text: 'recovered' },
      ])
      const agent = new Agent({ name: 'hostile', instructions: 'Call explode.', model, tools: [explode] })
      const result = await run(agent, 'go')
      expect(result.status).toBe('completed')
      expect(result.output).toBe('recovered')
      const toolMessage = model.requests[1]?.messages.find((message) => message.role === 'tool')
      expect(toolMessage).toMatchObject({ role: 'tool', isError: true })
      expect(String(toolMessage?.content)).toMatch(/^Error: tool "explode" failed: /)
    })

    it(`fails the run with a ToolError (not a TypeError) for ${name} under onError: 'fail-run'`, async () => {
      const explode = tool({
        name: 'explode',
        description: 'Throws',
        parameters: z.object({}),
        onError: 'fail-run',
        execute: () => {
          throw value()
        },
      })
      const model = scriptedModel([{ toolCalls: [{ name: 'explode', arguments: {} }] }, { text: 'never' }])
      const agent = new Agent({ name: 'hostile', instructions: 'Call explode.', model, tools: [explode] })
      await expect(run(agent, 'go')).rejects.toMatchObject({ name: 'ToolError', toolName: 'explode' })
    })
  }
})

describe('hostile values thrown elsewhere', () => {
  it('a hook that throws one fails the run cleanly, ending its stream with run.end', async () => {
    for (const { name, value } of hostileValues()) {
      const model = scriptedModel([{ text: 'never sent' }])
      const agent = new Agent({
        name: 'hooked',
        instructions: 'Hi.',
        model,
        hooks: {
          beforeModel: () => {
            throw value()
          },
        },
      })
      const events = stream(agent, 'go')
      const seen: RunEvent[] = []
      for await (const event of events) seen.push(event)
      const end = seen.at(-1)
      expect(end?.type, name).toBe('run.end')
      expect(end).toMatchObject({
        status: 'failed',
        error: { name: expect.any(String), message: expect.any(String) },
      })
      await expect(events.result, name).rejects.toBeDefined()
    }
  })

  it('a step that throws one fails its job with a StepFailedError, not a TypeError', async () => {
    for (const { name, value } of hostileValues()) {
      const job = steps({ name: 'hostile', initialState: {} }).step({
        name: 'explode',
        run: () => {
          throw value()
        },
      })
      const error = await job
        .run({ jobId: `hostile-${name.replaceAll(' ', '-')}` })
        .catch((caught: unknown) => caught)
      expect(error, name).toBeInstanceOf(StepFailedError)
      expect((error as StepFailedError).message, name).toMatch(/Step "explode" of job "hostile"/)
    }
  })
})
