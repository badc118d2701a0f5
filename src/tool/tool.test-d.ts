// Type tests: checked by `npm run typecheck` (tsc fails if an expectation does not hold).
import { expectTypeOf } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { run } from '../run/run.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from './tool.js'

tool({
  name: 'add',
  description: '',
  parameters: z.object({ a: z.number(), b: z.string().optional() }),
  execute: (args) => {
    expectTypeOf(args).toEqualTypeOf<{ a: number; b?: string | undefined }>()
    return args.a
  },
})

tool({
  name: 'listed',
  description: '',
  parameters: [
    { name: 'city', type: 'string' },
    { name: 'days', type: 'integer', required: false },
    { name: 'unit', type: 'string', enum: ['c', 'f'] },
  ],
  execute: (args) => {
    expectTypeOf(args.city).toEqualTypeOf<string>()
    expectTypeOf(args.days).toEqualTypeOf<number | undefined>()
    expectTypeOf(args.unit).toEqualTypeOf<'c' | 'f'>()
    return ''
  },
})

tool({
  name: 'json',
  description: '',
  parameters: { type: 'object', properties: { q: { type: 'string' } } },
  execute: (args) => {
    expectTypeOf(args).toEqualTypeOf<Record<string, unknown>>()
    return ''
  },
})

tool<z.ZodObject<{ q: z.ZodString }>, { userId: number }>({
  name: 'ctx',
  description: '',
  parameters: z.object({ q: z.string() }),
  execute: (_args, { context, signal, runId, callId }) => {
    expectTypeOf(context.userId).toEqualTypeOf<number>()
    expectTypeOf(signal).toEqualTypeOf<AbortSignal>()
    expectTypeOf(runId).toEqualTypeOf<string>()
    expectTypeOf(callId).toEqualTypeOf<string>()
    return ''
  },
})

async function outputTypes() {
  const model = scriptedModel([])
  const typed = new Agent({ name: 'typed', model, output: z.object({ city: z.string() }) })
  const result = await run(typed, 'x')
  if (result.status === 'completed') expectTypeOf(result.output).toEqualTypeOf<{ city: string }>()
  const plain = await run(new Agent({ name: 'plain', model }), 'x')
  if (plain.status === 'completed') expectTypeOf(plain.output).toEqualTypeOf<string>()
}
void outputTypes
