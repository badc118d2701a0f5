// Type tests: checked by `npm run typecheck` (tsc fails if an expectation does not hold).
import { expectTypeOf } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { scriptedModel } from '../testing/scripted-model.js'
import type { Tool } from './tool.js'
import { workerTool } from './worker-tool.js'

// The arguments are typed from the schema, as for tool(); the result is an ordinary Tool.
const hash = workerTool({
  name: 'hash',
  description: 'Hash a text',
  parameters: z.object({ text: z.string(), rounds: z.number().optional() }),
  module: new URL('./hash-tool.js', import.meta.url),
})
expectTypeOf(hash).toEqualTypeOf<Tool<{ text: string; rounds?: number | undefined }, unknown>>()
new Agent({ name: 'a', model: scriptedModel([]), tools: [hash] })

// @ts-expect-error the module is required
workerTool({ name: 'x', description: 'X', parameters: z.object({}) })
