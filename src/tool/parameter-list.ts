import { ConfigError } from '../errors/errors.js'
import type { JsonSchema } from '../model/model-request.js'

/** The JSON types a listed parameter may have. */
export type ParameterType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object'

/** One parameter of a tool defined by a list instead of a schema. */
export interface ToolParameter {
  name: string
  type: ParameterType
  description?: string
  /** The only values allowed. */
  enum?: readonly (string | number | boolean)[]
  /** Defaults to true. */
  required?: boolean
  /** For `type: 'array'`: the type of the items (default: any JSON value). */
  items?: ParameterType
}

type ValueOf<TType extends ParameterType> = TType extends 'string'
  ? string
  : TType extends 'number' | 'integer'
    ? number
    : TType extends 'boolean'
      ? boolean
      : TType extends 'array'
        ? unknown[]
        : Record<string, unknown>

type ParameterValue<P extends ToolParameter> = P extends { enum: readonly (infer E)[] }
  ? E
  : ValueOf<P['type']>

/** The arguments object a list of parameters describes, inferred from the list. */
export type ParametersOf<TList extends readonly ToolParameter[]> = {
  [P in TList[number] as P extends { required: false } ? never : P['name']]: ParameterValue<P>
} & {
  [P in TList[number] as P extends { required: false } ? P['name'] : never]?: ParameterValue<P>
}

const TYPES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object'])

/** Builds the JSON Schema of a parameter list, checking every entry. `owner` names the tool in errors. */
export function parameterListToJsonSchema(list: readonly ToolParameter[], owner: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {}
  const required: string[] = []
  list.forEach((parameter, index) => {
    const field = `${owner}: parameters[${index}]`
    if (typeof parameter?.name !== 'string' || parameter.name === '') {
      throw new ConfigError({ message: `${field}.name must be a non-empty string.` })
    }
    if (parameter.name in properties) {
      throw new ConfigError({
        message: `${field}.name "${parameter.name}" is listed twice; give each parameter a unique name.`,
      })
    }
    if (!TYPES.has(parameter.type)) {
      throw new ConfigError({
        message: `${field}.type is ${JSON.stringify(parameter.type)}; use one of ${[...TYPES].join(', ')}.`,
      })
    }
    const schema: JsonSchema = { type: parameter.type }
    if (parameter.description !== undefined) schema.description = parameter.description
    if (parameter.enum !== undefined) {
      if (!Array.isArray(parameter.enum) || parameter.enum.length === 0) {
        throw new ConfigError({ message: `${field}.enum must be a non-empty array of allowed values.` })
      }
      schema.enum = [...parameter.enum]
    }
    if (parameter.type === 'array')
      schema.items = parameter.items === undefined ? {} : { type: parameter.items }
    if (parameter.type === 'object') schema.additionalProperties = true
    properties[parameter.name] = schema
    if (parameter.required !== false) required.push(parameter.name)
  })
  return { type: 'object', properties, required, additionalProperties: false }
}
