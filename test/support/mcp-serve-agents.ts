// A runtime with scripted agents, served over MCP: run as a child process with `stdio` it calls
// serveMcpStdio (what `agentloop mcp` does); the HTTP test imports buildRuntime() and mounts
// createMcpHttpHandler on a small Hono app.
import { Agent, createMemoryStorage, type ModelRequest, Runtime, tool } from 'agentloop'
import { serveMcpStdio } from 'agentloop/mcp'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

const always = (turn: (request: ModelRequest) => object, count = 100) =>
  scriptedModel(Array.from({ length: count }, () => turn))
const userTexts = (request: ModelRequest) =>
  request.messages.filter((message) => message.role === 'user').map((message) => String(message.content))
const hasToolResult = (request: ModelRequest) => request.messages.some((message) => message.role === 'tool')

export function buildRuntime(): Runtime {
  const echo = new Agent({
    name: 'echo',
    model: always((request) => {
      const texts = userTexts(request)
      return { text: `You said: ${texts.at(-1)} (message ${texts.length})` }
    }),
  })
  const lookup = tool({
    name: 'lookup',
    description: 'Temperature of a city',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => ({ city, tempC: city.length }),
  })
  const weather = new Agent({
    name: 'weather',
    tools: [lookup],
    output: z.object({ city: z.string(), tempC: z.number() }),
    model: always((request) =>
      hasToolResult(request)
        ? { text: JSON.stringify({ city: 'Oslo', tempC: 4 }) }
        : { toolCalls: [{ name: 'lookup', arguments: { city: 'Oslo' } }] },
    ),
  })
  const wait = tool({
    name: 'wait',
    description: 'Waits a long time',
    parameters: z.object({}),
    execute: (_args, { signal, runId }) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve('waited'), 30_000)
        signal.addEventListener('abort', () => {
          clearTimeout(timer)
          process.stderr.write(`cancelled run ${runId}\n`)
          resolve('cancelled')
        })
      }),
  })
  const sleeper = new Agent({
    name: 'sleeper',
    tools: [wait],
    model: always((request) =>
      hasToolResult(request) ? { text: 'woke up' } : { toolCalls: [{ name: 'wait', arguments: {} }] },
    ),
  })
  const broken = new Agent({ name: 'broken', model: always(() => ({ error: new Error('model offline') })) })
  return new Runtime({ storage: createMemoryStorage(), agents: [echo, weather, sleeper, broken] })
}

if (process.argv[2] === 'stdio') {
  await serveMcpStdio(buildRuntime(), { name: 'agents-under-test', instructions: 'Ask the agents.' })
  process.stderr.write('serving\n')
}
