import type { JsonSchema } from '../model/model-request.js'

/**
 * Rewrites a JSON Schema into the strict subset providers enforce exactly (OpenAI's "strict"
 * function calling): every object closes with `additionalProperties: false` and lists all its
 * properties as required, optional ones becoming nullable. Returns `undefined` when the schema
 * cannot be expressed strictly (free-form maps, `patternProperties`, `not`, ...), in which case
 * the tool is sent non-strict. The input is not modified.
 */
export function toStrictJsonSchema(schema: JsonSchema): JsonSchema | undefined {
  try {
    return strictify(schema)
  } catch (error) {
    if (error === NOT_STRICT) return undefined
    throw error
  }
}

const NOT_STRICT = Symbol('not strict')
const UNSUPPORTED = [
  'patternProperties',
  'not',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'unevaluatedProperties',
]

function strictify(schema: JsonSchema): JsonSchema {
  for (const keyword of UNSUPPORTED) if (keyword in schema) throw NOT_STRICT
  const out: JsonSchema = { ...schema }
  if (isObjectSchema(schema)) {
    const additional = schema.additionalProperties
    if (additional !== undefined && additional !== false) throw NOT_STRICT
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : [])
    const strictProperties: Record<string, JsonSchema> = {}
    for (const [key, property] of Object.entries(properties)) {
      const strict = strictify(property)
      strictProperties[key] = required.has(key) ? strict : nullable(strict)
    }
    out.properties = strictProperties
    out.required = Object.keys(strictProperties)
    out.additionalProperties = false
  }
  if (isRecord(schema.items)) out.items = strictify(schema.items)
  if (Array.isArray(schema.prefixItems)) throw NOT_STRICT
  for (const key of ['anyOf', 'oneOf'] as const) {
    const variants = schema[key]
    if (Array.isArray(variants)) {
      delete out[key]
      out.anyOf = variants.map((variant: JsonSchema) => strictify(variant))
    }
  }
  if (Array.isArray(schema.allOf)) throw NOT_STRICT
  for (const key of ['$defs', 'definitions'] as const) {
    const definitions = schema[key]
    if (isRecord(definitions)) {
      out[key] = Object.fromEntries(
        Object.entries(definitions).map(([name, definition]) => [name, strictify(definition as JsonSchema)]),
      )
    }
  }
  return out
}

function nullable(schema: JsonSchema): JsonSchema {
  if (acceptsNull(schema)) return schema
  const type = schema.type
  // Objects become `anyOf [object, null]`, the form providers document for nullable objects.
  if (type === 'object') return { anyOf: [schema, { type: 'null' }] }
  if (typeof type === 'string' && schema.enum === undefined) return { ...schema, type: [type, 'null'] }
  if (Array.isArray(type) && schema.enum === undefined) return { ...schema, type: [...type, 'null'] }
  if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] }
  return { anyOf: [schema, { type: 'null' }] }
}

/** Whether a schema already admits `null`. */
export function acceptsNull(schema: JsonSchema): boolean {
  const type = schema.type
  if (type === 'null' || (Array.isArray(type) && type.includes('null'))) return true
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true
  if (
    Array.isArray(schema.anyOf) &&
    schema.anyOf.some((variant) => isRecord(variant) && acceptsNull(variant))
  )
    return true
  return false
}

/**
 * Undoes what strict mode did to a value: a model answering a strict schema sends `null` for the
 * optional properties it leaves out; this removes those nulls where the original schema did not
 * itself allow null, so the value validates against the original schema.
 */
export function dropStrictNulls(value: unknown, schema: JsonSchema): unknown {
  if (Array.isArray(value)) {
    return isRecord(schema.items)
      ? value.map((item) => dropStrictNulls(item, schema.items as JsonSchema))
      : value
  }
  if (!isRecord(value) || !isObjectSchema(schema)) return value
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : []
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const property = properties[key]
    if (property === undefined) {
      out[key] = item
    } else if (item === null && !required.includes(key) && !acceptsNull(property)) {
      // left out by the model: drop it
    } else {
      out[key] = dropStrictNulls(item, property)
    }
  }
  return out
}

function isObjectSchema(schema: JsonSchema): boolean {
  return schema.type === 'object' || (schema.type === undefined && isRecord(schema.properties))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
