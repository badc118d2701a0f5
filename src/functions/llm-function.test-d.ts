// Type tests: checked by `npm run typecheck` (tsc fails if an expectation does not hold).
import { expectTypeOf } from 'vitest'
import { z } from 'zod'
import { scriptedModel } from '../testing/scripted-model.js'
import type { Tool } from '../tool/tool.js'
import { llmFunction } from './llm-function.js'

const categorize = llmFunction({
  name: 'categorize',
  instructions: 'Categorize.',
  input: z.object({ text: z.string(), limit: z.number().default(3) }),
  output: z.object({ category: z.enum(['a', 'b']), confidence: z.number().optional() }),
  checks: [
    (output, input) => {
      expectTypeOf(output).toEqualTypeOf<{ category: 'a' | 'b'; confidence?: number | undefined }>()
      expectTypeOf(input).toEqualTypeOf<{ text: string; limit: number }>()
      return output.category === 'a' ? undefined : 'must be a'
    },
  ],
  model: scriptedModel([]),
})

// The caller passes the zod input type (defaults may be left out) and gets the output type back.
expectTypeOf(categorize).parameter(0).toEqualTypeOf<{ text: string; limit?: number | undefined }>()
expectTypeOf(categorize).returns.resolves.toEqualTypeOf<{
  category: 'a' | 'b'
  confidence?: number | undefined
}>()
expectTypeOf(categorize.asTool()).toEqualTypeOf<Tool<{ text: string; limit: number }>>()

// @ts-expect-error: the input must match the schema
void categorize({ text: 1 })
