import type { z } from 'zod'
import { ConfigError, type ValidationIssue } from '../errors/errors.js'
import type { JsonSchema } from '../model/model-request.js'
import { type ParametersOf, parameterListToJsonSchema, type ToolParameter } from './parameter-list.js'
import { dropStrictNulls, toStrictJsonSchema } from './strict-schema.js'

/** A zod schema (zod 4, classic or mini). */
export type ZodSchema = z.core.$ZodType

/** What a schema may be given as: a zod schema, a JSON Schema object, or a list of named parameters. */
export type SchemaInput = ZodSchema | JsonSchema | readonly ToolParameter[]

/** The value type a schema input describes. */
export type InferSchema<TSchema> = TSchema extends ZodSchema
  ? z.output<TSchema>
  : TSchema extends readonly ToolParameter[]
    ? ParametersOf<TSchema>
    : Record<string, unknown>

/** The outcome of validating a value. */
export type ValidationResult<T> = { success: true; value: T } | { success: false; issues: ValidationIssue[] }

/** A schema resolved once, at definition time: what the model sees and how values are checked. */
export interface ResolvedSchema<T> {
  /** The JSON Schema the model sees: the strict form when strict mode applies. */
  jsonSchema: JsonSchema
  /** True when `jsonSchema` is in the strict subset. */
  strict: boolean
  /** Validates a value. Asynchronous because a JSON Schema's validator (built with zod) loads on first use. */
  validate(value: unknown): Promise<ValidationResult<T>>
}

/** The parts of a zod 4 classic schema agentloop uses; they exist on the schema itself, so no zod import is needed. */
interface ClassicZodSchema {
  toJSONSchema(params?: { io?: 'input' | 'output'; unrepresentable?: 'any' | 'throw' }): JsonSchema
  safeParse(
    value: unknown,
  ): { success: true; data: unknown } | { success: false; error: { issues: ZodIssue[] } }
}
interface ZodIssue {
  path: PropertyKey[]
  message: string
}

/**
 * Resolves a schema input. `strict` asks for the strict JSON Schema form where the schema allows
 * it. `field` names the option in error messages, e.g. `tool "add": parameters`.
 *
 * A zod schema is used through its own methods; a JSON Schema (or parameter list) is validated by
 * a zod schema built from it with `z.fromJSONSchema` when the first value is validated, so zod is
 * only loaded when needed and an unsupported JSON Schema feature is reported then.
 */
export function resolveSchema<T>(
  input: SchemaInput,
  options: { strict: boolean; field: string; objectOnly?: boolean },
): ResolvedSchema<T> {
  let jsonSchema: JsonSchema
  let validator: () => Promise<ClassicZodSchema>
  if (isZodSchema(input)) {
    const schema = input as unknown as Partial<ClassicZodSchema>
    if (typeof schema.toJSONSchema !== 'function' || typeof schema.safeParse !== 'function') {
      throw new ConfigError({
        message: `${options.field}: use a zod 4 schema made with \`import { z } from 'zod'\` (zod/mini schemas are not supported).`,
      })
    }
    try {
      jsonSchema = schema.toJSONSchema({ io: 'input', unrepresentable: 'any' })
    } catch (error) {
      throw new ConfigError({
        message: `${options.field}: this zod schema cannot be turned into JSON Schema for the model (${(error as Error).message}). Use plain types the model can fill in (no transforms or functions).`,
        cause: error,
      })
    }
    delete jsonSchema.$schema
    if (options.objectOnly ?? true) checkObjectSchema(jsonSchema, options.field, 'z.object({ ... })')
    const ready = Promise.resolve(schema as ClassicZodSchema)
    validator = () => ready
  } else {
    jsonSchema = Array.isArray(input)
      ? parameterListToJsonSchema(input as readonly ToolParameter[], options.field)
      : checkJsonSchema(input as JsonSchema, options.field, options.objectOnly ?? true)
    const source = jsonSchema
    let built: Promise<ClassicZodSchema> | undefined
    validator = () => {
      built ??= import('zod').then(({ z }) => {
        try {
          return z.fromJSONSchema(
            source as Parameters<typeof z.fromJSONSchema>[0],
          ) as unknown as ClassicZodSchema
        } catch (error) {
          throw new ConfigError({
            message: `${options.field}: this JSON Schema uses a feature agentloop cannot validate (${(error as Error).message}). Simplify it or pass a zod schema instead.`,
            cause: error,
          })
        }
      })
      return built
    }
  }
  const strictSchema = options.strict ? toStrictJsonSchema(jsonSchema) : undefined
  const original = jsonSchema
  return {
    jsonSchema: strictSchema ?? jsonSchema,
    strict: strictSchema !== undefined,
    async validate(value) {
      const schema = await validator()
      const candidate = strictSchema === undefined ? value : dropStrictNulls(value, original)
      const result = schema.safeParse(candidate)
      if (result.success) return { success: true, value: result.data as T }
      return {
        success: false,
        issues: result.error.issues.map((issue) => ({
          path: issue.path.filter((key): key is string | number => typeof key !== 'symbol'),
          message: issue.message,
        })),
      }
    },
  }
}

/** Whether a value is a zod 4 schema. */
export function isZodSchema(value: unknown): value is ZodSchema {
  return typeof value === 'object' && value !== null && '_zod' in value
}

function checkJsonSchema(schema: JsonSchema, field: string, objectOnly: boolean): JsonSchema {
  if (typeof schema !== 'object' || schema === null) {
    throw new ConfigError({
      message: `${field} must be a zod schema, a JSON Schema object or a list of parameters; got ${typeof schema}.`,
    })
  }
  if (objectOnly) checkObjectSchema(schema, field, "{ type: 'object', properties: { ... } }")
  return schema
}

/** Tool arguments are always an object: providers reject any other parameters schema. */
function checkObjectSchema(schema: JsonSchema, field: string, example: string): void {
  const type = schema.type
  const isObject = type === 'object' || (type === undefined && 'properties' in schema)
  if (!isObject) {
    throw new ConfigError({
      message: `${field} must describe an object (the tool's named arguments), such as ${example}; got a schema of type ${JSON.stringify(type ?? 'any')}. Wrap a single value in an object: { value: ... }.`,
    })
  }
}

/** Formats validation issues as one line per issue, e.g. `a: expected number, received string`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ')
}
