import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import { tool } from './tool.js'

const noop = () => 'ok'

describe('tool', () => {
  it('builds a strict JSON Schema from a zod object, with optional fields nullable', async () => {
    const search = tool({
      name: 'search',
      description: 'Search',
      parameters: z.object({
        query: z.string().describe('What to find'),
        limit: z.number().int().optional(),
      }),
      execute: noop,
    })
    expect(search.strict).toBe(true)
    expect(search.parameters).toEqual({
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to find' },
        limit: { type: ['integer', 'null'], minimum: expect.any(Number), maximum: expect.any(Number) },
      },
      required: ['query', 'limit'],
      additionalProperties: false,
    })
    // the model leaves an optional field out by sending null: accepted as "absent"
    expect(await search.parseArguments({ query: 'cats', limit: null })).toEqual({
      success: true,
      value: { query: 'cats' },
    })
    expect(await search.parseArguments({ query: 'cats', limit: 5 })).toEqual({
      success: true,
      value: { query: 'cats', limit: 5 },
    })
  })

  it('keeps the plain schema when strict is false', async () => {
    const search = tool({
      name: 'search',
      description: 'Search',
      parameters: z.object({ query: z.string(), limit: z.number().optional() }),
      strict: false,
      execute: noop,
    })
    expect(search.strict).toBe(false)
    expect(search.parameters.required).toEqual(['query'])
  })

  it('validates arguments against a zod schema and reports the path of each issue', async () => {
    const add = tool({
      name: 'add',
      description: '',
      parameters: z.object({ a: z.number(), b: z.number() }),
      execute: noop,
    })
    const result = await add.parseArguments({ a: 'x' })
    expect(result.success).toBe(false)
    if (!result.success) expect(result.issues.map((issue) => issue.path)).toEqual([['a'], ['b']])
  })

  it('accepts a plain JSON Schema and validates against it', async () => {
    const weather = tool({
      name: 'weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
        required: ['city'],
      },
      execute: noop,
    })
    expect(weather.parameters).toMatchObject({ required: ['city', 'unit'], additionalProperties: false })
    expect(await weather.parseArguments({ city: 'Oslo', unit: null })).toEqual({
      success: true,
      value: { city: 'Oslo' },
    })
    expect((await weather.parseArguments({ city: 'Oslo', unit: 'k' })).success).toBe(false)
    expect((await weather.parseArguments({ unit: 'c' })).success).toBe(false)
  })

  it('accepts a list of named parameters with types, descriptions and enums', async () => {
    const convert = tool({
      name: 'convert',
      description: 'Convert money',
      parameters: [
        { name: 'amount', type: 'number', description: 'How much' },
        { name: 'currency', type: 'string', enum: ['EUR', 'USD'] },
        { name: 'note', type: 'string', required: false },
      ],
      execute: noop,
    })
    expect(convert.parameters).toEqual({
      type: 'object',
      properties: {
        amount: { type: 'number', description: 'How much' },
        currency: { type: 'string', enum: ['EUR', 'USD'] },
        note: { type: ['string', 'null'] },
      },
      required: ['amount', 'currency', 'note'],
      additionalProperties: false,
    })
    expect((await convert.parseArguments({ amount: 3, currency: 'EUR', note: null })).success).toBe(true)
    expect((await convert.parseArguments({ amount: 3, currency: 'GBP' })).success).toBe(false)
  })

  it('falls back to a non-strict schema when the schema cannot be strict', async () => {
    const free = tool({
      name: 'free',
      description: '',
      parameters: z.object({ data: z.record(z.string(), z.number()) }),
      execute: noop,
    })
    expect(free.strict).toBe(false)
    expect((await free.parseArguments({ data: { a: 1 } })).success).toBe(true)
  })

  it('rejects bad definitions with errors naming the field', async () => {
    const base = { description: '', parameters: [], execute: noop }
    expect(() => tool({ ...base, name: 'has space' })).toThrow(ConfigError)
    expect(() => tool({ ...base, name: 'has space' })).toThrow(/name must be 1-64/)
    expect(() => tool({ ...base, name: 'ok', timeoutMs: 0 })).toThrow(/timeoutMs/)
    expect(() =>
      tool({ ...base, name: 'ok', parameters: [{ name: 'x', type: 'text' as 'string' }] }),
    ).toThrow(/parameters\[0\]\.type/)
    expect(() =>
      tool({
        ...base,
        name: 'ok',
        parameters: [
          { name: 'x', type: 'string' },
          { name: 'x', type: 'number' },
        ],
      }),
    ).toThrow(/listed twice/)
    expect(() => tool({ ...base, name: 'ok', parameters: { type: 'string' } })).toThrow(
      /must describe an object/,
    )
    expect(() => tool({ ...base, name: 'ok', execute: undefined as unknown as () => string })).toThrow(
      /execute/,
    )
  })

  it('keeps needsApproval and idempotent for durable runs', async () => {
    const pay = tool({
      name: 'pay',
      description: '',
      parameters: z.object({ amount: z.number() }),
      needsApproval: ({ amount }) => amount > 100,
      idempotent: true,
      execute: noop,
    })
    const context = {
      context: undefined,
      signal: new AbortController().signal,
      runId: 'r',
      callId: 'c',
      turn: 1,
      idempotencyKey: 'r:c',
    }
    expect(await pay.needsApproval({ amount: 500 }, context)).toBe(true)
    expect(await pay.needsApproval({ amount: 5 }, context)).toBe(false)
    expect(pay.idempotent).toBe(true)
    const plain = tool({ name: 'plain', description: '', parameters: [], execute: noop })
    expect(plain.needsApproval({}, context)).toBe(false)
    expect(plain.idempotent).toBe(false)
  })
})
