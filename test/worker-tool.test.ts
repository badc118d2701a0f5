import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent, ConfigError, RunCancelledError, run, tool, workerTool } from '../src/index.js'
import { scriptedModel } from '../src/testing/index.js'

const bodies = new URL('./support/worker-tool-bodies.ts', import.meta.url)
const figures: Record<string, number | string>[] = []

function busyWait(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // A blocking synchronous tool on the main thread.
  }
}

/** An agent that calls `toolName` once, then answers `done`. */
function agentCalling(toolInstance: ReturnType<typeof tool>, args: Record<string, unknown> = {}) {
  const model = scriptedModel([
    { toolCalls: [{ name: toolInstance.name, arguments: args }] },
    { text: 'done' },
  ])
  return {
    model,
    agent: new Agent({ name: 'a', instructions: 'Use the tool.', model, tools: [toolInstance] }),
  }
}

/** A quick run that needs the event loop a few times (timers between its steps). */
async function quickRunMs(): Promise<number> {
  const wait = tool({
    name: 'wait',
    description: 'Waits 5 ms',
    parameters: z.object({}),
    execute: () => new Promise((resolve) => setTimeout(() => resolve('ok'), 5)),
  })
  const { agent } = agentCalling(wait)
  const started = performance.now()
  await run(agent, 'go')
  return performance.now() - started
}

describe('a blocking tool', () => {
  it('on the main thread stalls every other run of the process', async () => {
    const blocking = tool({
      name: 'block',
      description: 'Blocks',
      parameters: z.object({ ms: z.number() }),
      execute: ({ ms }) => busyWait(ms),
    })
    const { agent } = agentCalling(blocking, { ms: 600 })
    const slow = run(agent, 'go')
    const quick = await quickRunMs()
    await slow
    figures.push({
      case: 'quick run beside a 600 ms blocking tool (main thread)',
      quickRunMs: Math.round(quick),
    })
    expect(quick).toBeGreaterThan(500)
  })

  it('as a workerTool runs off the main thread: the other runs go on', async () => {
    const blocking = workerTool({
      name: 'block',
      description: 'Blocks',
      parameters: z.object({ ms: z.number() }),
      module: bodies,
      timeoutMs: 10_000,
    })
    // Warm the worker (its first start loads the module), then measure.
    await run(agentCalling(blocking, { ms: 1 }).agent, 'go')
    const { agent, model } = agentCalling(blocking, { ms: 600 })
    const slow = run(agent, 'go')
    await new Promise((resolve) => setTimeout(resolve, 20))
    const quick = await quickRunMs()
    const result = await slow
    figures.push({ case: 'quick run beside a 600 ms blocking workerTool', quickRunMs: Math.round(quick) })
    console.table(figures)
    expect(quick).toBeLessThan(300)
    expect(result.output).toBe('done')
    const toolMessage = model.requests[1]?.messages.find((message) => message.role === 'tool')
    expect(JSON.parse(String(toolMessage?.content))).toEqual({ blockedMs: 600, callId: toolMessage?.callId })
  })
})

describe('workerTool', () => {
  it('enforces its timeout by terminating the worker; the model sees the error', async () => {
    const spin = workerTool({
      name: 'spin',
      description: 'Never returns',
      parameters: z.object({}),
      module: bodies,
      export: 'spin',
      timeoutMs: 300,
    })
    const { agent, model } = agentCalling(spin)
    const started = performance.now()
    const result = await run(agent, 'go')
    const elapsed = performance.now() - started
    expect(result.output).toBe('done')
    expect(elapsed).toBeLessThan(2000)
    const toolMessage = model.requests[1]?.messages.find((message) => message.role === 'tool')
    expect(toolMessage).toMatchObject({ isError: true })
    expect(String(toolMessage?.content)).toMatch(/timed out after 300 ms/)
  })

  it('is cancelled with its run: the worker is terminated and the run rejects at once', async () => {
    const spin = workerTool({
      name: 'spin',
      description: 'Never returns',
      parameters: z.object({}),
      module: bodies,
      export: 'spin',
    })
    const { agent } = agentCalling(spin)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const started = performance.now()
    await expect(run(agent, 'go', { signal: controller.signal })).rejects.toBeInstanceOf(RunCancelledError)
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it("returns the body's errors as the tool's error result", async () => {
    for (const [exportName, pattern] of [
      ['fail', /tool "probe" failed: the value 3 is out of range/],
      ['missing', /no exported function "missing"/],
      ['unsendable', /cannot leave the worker/],
    ] as const) {
      const probe = workerTool({
        name: 'probe',
        description: 'Probe',
        parameters: z.object({ ms: z.number() }),
        module: bodies,
        export: exportName,
        timeoutMs: 10_000,
      })
      const { agent, model } = agentCalling(probe, { ms: 3 })
      const result = await run(agent, 'go')
      expect(result.output).toBe('done')
      const toolMessage = model.requests[1]?.messages.find((message) => message.role === 'tool')
      expect(toolMessage, exportName).toMatchObject({ isError: true })
      expect(String(toolMessage?.content), exportName).toMatch(pattern)
    }
  })

  it('rejects a module that is not an absolute path or file URL, or does not exist', () => {
    const definition = { name: 'x', description: 'X', parameters: z.object({}) }
    expect(() => workerTool({ ...definition, module: './relative.js' })).toThrow(ConfigError)
    expect(() => workerTool({ ...definition, module: './relative.js' })).toThrow(
      /new URL\('\.\/my-tool\.js', import\.meta\.url\)/,
    )
    expect(() => workerTool({ ...definition, module: 'https://example.com/tool.js' })).toThrow(
      /absolute path or a file: URL/,
    )
    expect(() =>
      workerTool({ ...definition, module: new URL('./missing-file.js', import.meta.url) }),
    ).toThrow(/does not exist/)
    expect(() => workerTool({ ...definition, module: bodies, maxWorkers: 0 })).toThrow(/maxWorkers/)
  })
})
