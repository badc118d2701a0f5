// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow templates, not template literals
// The config module of the `agentloop mcp` test: an echo agent and a bound workflow, both served as
// MCP tools over stdio. The model is scripted, so no provider is called. It logs a line on stderr
// when loaded (what a config module may do: stdout belongs to the protocol).
import { Agent, type Model } from 'agentloop'
import { defineConfig } from 'agentloop/cli'
import { scriptedModel } from 'agentloop/testing'
import { bindWorkflow, workflow } from 'agentloop/workflows'

const echoModel = (): Model =>
  scriptedModel(
    Array.from({ length: 20 }, () => (request: { messages: { role: string; content: unknown }[] }) => {
      const last = [...request.messages].reverse().find((message) => message.role === 'user')
      return { text: `echo: ${String(last?.content)}` }
    }),
    { provider: 'scripted', modelId: 'echo' },
  )

const greet = bindWorkflow(
  workflow('greet')
    .describe('Greets someone by name')
    .input({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] })
    .node('start', { type: 'start' })
    .node('end', { type: 'end', output: 'Hello, ${name}!' })
    .edge('start', 'end')
    .build(),
)

process.stderr.write('config loaded\n')

export default defineConfig({
  agents: [new Agent({ name: 'echo', instructions: 'Repeat.', model: echoModel() })],
  runnables: [greet],
})
