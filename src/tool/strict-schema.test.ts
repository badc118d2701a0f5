import { describe, expect, it } from 'vitest'
import { dropStrictNulls, toStrictJsonSchema } from './strict-schema.js'

describe('toStrictJsonSchema', () => {
  it('closes nested objects and makes optional properties required and nullable', () => {
    const schema = {
      type: 'object',
      properties: {
        user: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            tags: { type: 'array', items: { type: 'object', properties: { t: { type: 'string' } } } },
          },
          required: ['name'],
        },
        mode: { enum: ['a', 'b'] },
      },
    }
    const strict = toStrictJsonSchema(schema)
    expect(strict).toEqual({
      type: 'object',
      properties: {
        user: {
          anyOf: [
            {
              type: 'object',
              properties: {
                name: { type: 'string' },
                tags: {
                  type: ['array', 'null'],
                  items: {
                    type: 'object',
                    properties: { t: { type: ['string', 'null'] } },
                    required: ['t'],
                    additionalProperties: false,
                  },
                },
              },
              required: ['name', 'tags'],
              additionalProperties: false,
            },
            { type: 'null' },
          ],
        },
        mode: { anyOf: [{ enum: ['a', 'b'] }, { type: 'null' }] },
      },
      required: ['user', 'mode'],
      additionalProperties: false,
    })
    expect(schema.properties.user).not.toHaveProperty('additionalProperties')
  })

  it('gives up on schemas that cannot be strict', () => {
    expect(toStrictJsonSchema({ type: 'object', additionalProperties: { type: 'number' } })).toBeUndefined()
    expect(
      toStrictJsonSchema({ type: 'object', properties: { a: { not: { type: 'string' } } } }),
    ).toBeUndefined()
    expect(toStrictJsonSchema({ type: 'object', patternProperties: {} })).toBeUndefined()
  })

  it('leaves already-nullable optional properties alone', () => {
    const strict = toStrictJsonSchema({ type: 'object', properties: { a: { type: ['string', 'null'] } } })
    expect(strict?.properties).toEqual({ a: { type: ['string', 'null'] } })
  })
})

describe('dropStrictNulls', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'string' },
      b: { type: ['string', 'null'] },
      list: { type: 'array', items: { type: 'object', properties: { x: { type: 'number' } } } },
    },
    required: ['a'],
  }
  it('drops nulls the original schema did not allow, keeps the others', () => {
    expect(dropStrictNulls({ a: 'x', b: null, list: [{ x: null }] }, schema)).toEqual({
      a: 'x',
      b: null,
      list: [{}],
    })
    expect(dropStrictNulls({ a: null }, schema)).toEqual({ a: null })
  })
})
