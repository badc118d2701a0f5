/**
 * Templates: JSON values in node configs whose strings may hold `${expression}` parts, rendered
 * against the workflow's state when the node runs. A string that is exactly one `${...}` takes
 * the expression's value with its type (`'${triage.output}'` gives the object); a string with text
 * around the parts gives text (objects as JSON, null as ''). `$${` writes a literal `${`.
 *
 * @module
 */
import type { JsonValue } from '../../util/json.js'
import { ExpressionError } from '../workflow-errors.js'
import { evaluateExpression, type NameLookup } from './evaluate-expression.js'
import { type CompiledExpression, parseExpression } from './parse-expression.js'

/** A template compiled once, when the workflow is bound. */
export type CompiledTemplate =
  | { kind: 'static'; value: JsonValue }
  | { kind: 'expression'; expression: CompiledExpression }
  | { kind: 'text'; parts: (string | CompiledExpression)[] }
  | { kind: 'array'; items: CompiledTemplate[] }
  | { kind: 'object'; entries: [string, CompiledTemplate][] }

/** Compiles a template; throws `ExpressionError` for a part that does not parse or is not closed. */
export function compileTemplate(value: JsonValue): CompiledTemplate {
  if (!hasPlaceholder(value)) return { kind: 'static', value }
  if (typeof value === 'string') return compileText(value)
  if (Array.isArray(value)) return { kind: 'array', items: value.map(compileTemplate) }
  const entries: [string, CompiledTemplate][] = []
  for (const [key, item] of Object.entries(value as Record<string, JsonValue>))
    entries.push([key, compileTemplate(item)])
  return { kind: 'object', entries }
}

/** Renders a compiled template with the names of the current state. */
export function renderTemplate(template: CompiledTemplate, lookup: NameLookup): JsonValue {
  switch (template.kind) {
    case 'static':
      return template.value
    case 'expression':
      return evaluateExpression(template.expression, lookup)
    case 'text': {
      let text = ''
      for (const part of template.parts) {
        if (typeof part === 'string') text += part
        else {
          const value = evaluateExpression(part, lookup)
          text += value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
        }
      }
      return text
    }
    case 'array':
      return template.items.map((item) => renderTemplate(item, lookup))
    case 'object': {
      const result: Record<string, JsonValue> = {}
      for (const [key, item] of template.entries) result[key] = renderTemplate(item, lookup)
      return result
    }
    default: {
      const unknown: never = template
      throw new ExpressionError({ message: `Unknown template ${JSON.stringify(unknown)}`, expression: '' })
    }
  }
}

/** Every expression of a compiled template, for checks. */
export function templateExpressions(template: CompiledTemplate): CompiledExpression[] {
  switch (template.kind) {
    case 'static':
      return []
    case 'expression':
      return [template.expression]
    case 'text':
      return template.parts.filter((part): part is CompiledExpression => typeof part !== 'string')
    case 'array':
      return template.items.flatMap(templateExpressions)
    case 'object':
      return template.entries.flatMap(([, item]) => templateExpressions(item))
    default:
      return []
  }
}

function hasPlaceholder(value: JsonValue): boolean {
  if (typeof value === 'string') return value.includes('${')
  if (Array.isArray(value)) return value.some(hasPlaceholder)
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasPlaceholder)
  return false
}

function compileText(text: string): CompiledTemplate {
  const parts: (string | CompiledExpression)[] = []
  let literal = ''
  let index = 0
  while (index < text.length) {
    const start = text.indexOf('${', index)
    if (start === -1) {
      literal += text.slice(index)
      break
    }
    if (start > 0 && text[start - 1] === '$') {
      // `$${` is an escaped `${`: keep one `$` and the brace as text.
      literal += `${text.slice(index, start - 1)}\${`
      index = start + 2
      continue
    }
    literal += text.slice(index, start)
    const end = closingBrace(text, start + 2)
    if (end === -1) {
      throw new ExpressionError({
        message: `The template part starting at character ${start} has no closing "}". Close it, or write $\${ for a literal \${.`,
        expression: text,
      })
    }
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push(parseExpression(text.slice(start + 2, end)))
    index = end + 1
  }
  if (literal !== '') parts.push(literal)
  if (parts.length === 1 && typeof parts[0] !== 'string')
    return { kind: 'expression', expression: parts[0] as CompiledExpression }
  if (parts.every((part) => typeof part === 'string')) return { kind: 'static', value: parts.join('') }
  return { kind: 'text', parts }
}

/** The index of the `}` closing a part, skipping quoted strings; -1 when there is none. */
function closingBrace(text: string, from: number): number {
  let quote: string | undefined
  for (let index = from; index < text.length; index++) {
    const char = text[index]
    if (quote !== undefined) {
      if (char === '\\') index++
      else if (char === quote) quote = undefined
    } else if (char === '"' || char === "'") quote = char
    else if (char === '}') return index
  }
  return -1
}
