/**
 * Parses the condition language: JavaScript-like expressions (`triage.output.score > 0.5 &&
 * !vars.escalated`) parsed by `jsep` and checked against a whitelist, so that the evaluator only
 * ever sees the node kinds, operators and functions it knows. Nothing here compiles code: no
 * `eval`, `new Function` or `vm`.
 *
 * @module
 */
import jsep from 'jsep'
import { ExpressionError } from '../workflow-errors.js'

// `in` is an operator of this language (`'urgent' in tags`), with the precedence of `<`. jsep is a
// module-wide parser: registering it once here is what this module is for.
jsep.addBinaryOp('in', 7)

/** The longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 1000
/** The deepest nesting of an expression's syntax tree. */
export const MAX_EXPRESSION_DEPTH = 32

/** The syntax tree of an expression (jsep's, restricted to the kinds the evaluator knows). */
export type ExpressionNode =
  | { type: 'Literal'; value: string | number | boolean | null }
  | { type: 'Identifier'; name: string }
  | { type: 'MemberExpression'; computed: boolean; object: ExpressionNode; property: ExpressionNode }
  | { type: 'UnaryExpression'; operator: UnaryOperator; argument: ExpressionNode }
  | { type: 'BinaryExpression'; operator: BinaryOperator; left: ExpressionNode; right: ExpressionNode }
  | {
      type: 'ConditionalExpression'
      test: ExpressionNode
      consequent: ExpressionNode
      alternate: ExpressionNode
    }
  | { type: 'ArrayExpression'; elements: ExpressionNode[] }
  | {
      type: 'CallExpression'
      callee: { type: 'Identifier'; name: FunctionName }
      arguments: ExpressionNode[]
    }

export type UnaryOperator = '!' | '-' | '+'
export type BinaryOperator =
  | '||'
  | '&&'
  | '??'
  | '=='
  | '!='
  | '==='
  | '!=='
  | '<'
  | '>'
  | '<='
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'in'

const UNARY = new Set<string>(['!', '-', '+'])
const BINARY = new Set<string>([
  '||',
  '&&',
  '??',
  '==',
  '!=',
  '===',
  '!==',
  '<',
  '>',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  'in',
])

/** The functions an expression may call, with how many arguments each takes. */
export const EXPRESSION_FUNCTIONS = {
  lower: 1,
  upper: 1,
  trim: 1,
  length: 1,
  string: 1,
  number: 1,
  contains: 2,
  startsWith: 2,
  endsWith: 2,
} as const

export type FunctionName = keyof typeof EXPRESSION_FUNCTIONS

/** Property names no expression may read, on any value. */
export const BLOCKED_PROPERTIES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** A parsed, checked expression. */
export interface CompiledExpression {
  readonly source: string
  readonly ast: ExpressionNode
}

/**
 * Parses and checks an expression. Throws `ExpressionError` saying what is not allowed (an unknown
 * function, an assignment, a bitwise operator...) or where the syntax is wrong.
 */
export function parseExpression(source: string): CompiledExpression {
  if (typeof source !== 'string') {
    throw new ExpressionError({
      message: `An expression must be a string; got ${typeof source}.`,
      expression: String(source),
    })
  }
  if (source.trim().length === 0) {
    throw new ExpressionError({
      message: 'The expression is empty. Write a condition such as `score > 0.5`.',
      expression: source,
    })
  }
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError({
      message: `The expression is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}. Move the logic into a handler node.`,
      expression: source,
    })
  }
  let tree: unknown
  try {
    tree = jsep(source)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new ExpressionError({
      message: `The expression does not parse: ${detail}.`,
      expression: source,
      cause: error,
    })
  }
  checkNode(tree, source, 1)
  return { source, ast: tree as ExpressionNode }
}

function fail(source: string, message: string): never {
  throw new ExpressionError({ message, expression: source })
}

function checkNode(value: unknown, source: string, depth: number): void {
  if (depth > MAX_EXPRESSION_DEPTH) {
    fail(
      source,
      `The expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep. Simplify it or move the logic into a handler node.`,
    )
  }
  const node = value as { type?: unknown; [key: string]: unknown }
  switch (node?.type) {
    case 'Literal': {
      const literal = node.value
      if (typeof literal === 'number' && !Number.isFinite(literal))
        fail(source, `The number ${String(node.raw)} is too large.`)
      if (literal !== null && !['string', 'number', 'boolean'].includes(typeof literal)) {
        fail(
          source,
          `The literal ${String(node.raw)} is not allowed: use strings, numbers, true, false or null.`,
        )
      }
      return
    }
    case 'Identifier':
      if (BLOCKED_PROPERTIES.has(node.name as string))
        fail(source, `The name "${String(node.name)}" is not allowed.`)
      return
    case 'MemberExpression': {
      checkNode(node.object, source, depth + 1)
      const property = node.property as { type?: string; name?: string }
      if (node.computed === true) checkNode(property, source, depth + 1)
      else if (property?.type !== 'Identifier') fail(source, 'A property name must follow the dot.')
      else if (BLOCKED_PROPERTIES.has(property.name as string))
        fail(source, `The property "${property.name}" is not accessible.`)
      return
    }
    case 'UnaryExpression':
      if (!UNARY.has(node.operator as string))
        fail(source, `The operator "${String(node.operator)}" is not supported; use ! - or +.`)
      checkNode(node.argument, source, depth + 1)
      return
    case 'BinaryExpression':
      if (!BINARY.has(node.operator as string)) {
        fail(
          source,
          `The operator "${String(node.operator)}" is not supported. Use comparisons, && || ??, + - * / %, or in.`,
        )
      }
      checkNode(node.left, source, depth + 1)
      checkNode(node.right, source, depth + 1)
      return
    case 'ConditionalExpression':
      checkNode(node.test, source, depth + 1)
      checkNode(node.consequent, source, depth + 1)
      checkNode(node.alternate, source, depth + 1)
      return
    case 'ArrayExpression':
      for (const element of node.elements as unknown[]) {
        if (element === null) fail(source, 'An array literal may not have holes.')
        checkNode(element, source, depth + 1)
      }
      return
    case 'CallExpression': {
      const callee = node.callee as { type?: string; name?: string }
      const names = Object.keys(EXPRESSION_FUNCTIONS).join(', ')
      if (callee?.type !== 'Identifier' || !Object.hasOwn(EXPRESSION_FUNCTIONS, callee.name as string)) {
        fail(source, `Only these functions can be called: ${names}.`)
      }
      const arity = EXPRESSION_FUNCTIONS[callee.name as FunctionName]
      const args = node.arguments as unknown[]
      if (args.length !== arity) {
        fail(source, `${callee.name}() takes ${arity} argument${arity === 1 ? '' : 's'}; got ${args.length}.`)
      }
      for (const argument of args) checkNode(argument, source, depth + 1)
      return
    }
    case 'Compound':
      fail(source, 'The expression has several parts; write one expression (did you miss an operator?).')
      break
    case 'ThisExpression':
      fail(source, '`this` is not available in expressions.')
      break
    default:
      fail(source, `This kind of expression (${String(node?.type)}) is not supported.`)
  }
}
