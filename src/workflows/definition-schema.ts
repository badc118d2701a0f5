/**
 * The zod schema of a workflow definition (format version 1): the shape of every field. The graph
 * rules (edges to known nodes, reachability, parseable conditions) are checked by
 * `parseWorkflowDefinition`, which uses this schema first.
 *
 * @module
 */
import { z } from 'zod'
import { NODE_TYPES } from './workflow-definition.js'

/** Node ids are names usable in expressions: a letter or `_`, then letters, digits or `_`. */
export const NODE_ID = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
/** Names a node may not take: they mean something else in expressions. */
export const RESERVED_IDS: ReadonlySet<string> = new Set([
  'output',
  'vars',
  'true',
  'false',
  'null',
  'in',
  'this',
  '__proto__',
  'constructor',
  'prototype',
])

const name = z.string().min(1).max(128)
const template = z.json()
const options = {
  id: z.string(),
  label: z.string().max(200).optional(),
  description: z.string().optional(),
  retries: z.number().int().min(0).max(100).optional(),
  retryDelayMs: z.number().min(0).max(3_600_000).optional(),
  backoff: z.enum(['fixed', 'exponential']).optional(),
  timeoutMs: z.number().positive().optional(),
  idempotent: z.boolean().optional(),
  maxIterations: z.number().int().min(1).max(10_000).optional(),
}

const node = z.discriminatedUnion('type', [
  z.strictObject({ ...options, type: z.literal('start') }),
  z.strictObject({ ...options, type: z.literal('end'), output: template.optional() }),
  z.strictObject({ ...options, type: z.literal('agent'), agent: name, input: template }),
  z.strictObject({ ...options, type: z.literal('tool'), tool: name, arguments: template.optional() }),
  z.strictObject({ ...options, type: z.literal('function'), function: name, input: template }),
  z.strictObject({ ...options, type: z.literal('condition'), expression: z.string().min(1) }),
  z.strictObject({ ...options, type: z.literal('parallel') }),
  z.strictObject({
    ...options,
    type: z.literal('join'),
    wait: z.union([z.enum(['all', 'any']), z.number().int().min(1)]).optional(),
  }),
  z.strictObject({ ...options, type: z.literal('human'), prompt: template.optional() }),
  z.strictObject({ ...options, type: z.literal('workflow'), workflow: name, input: template.optional() }),
  z.strictObject({ ...options, type: z.literal('handler'), handler: name, config: template.optional() }),
])

/** Format version 1 of a definition. */
export const WorkflowDefinitionV1 = z.strictObject({
  version: z.literal(1),
  name,
  description: z.string().optional(),
  nodes: z.array(node).min(2),
  edges: z.array(z.strictObject({ from: z.string(), to: z.string(), when: z.string().min(1).optional() })),
  maxIterations: z.number().int().min(1).max(10_000).optional(),
  input: z.record(z.string(), z.json()).optional(),
  output: z.record(z.string(), z.json()).optional(),
})

/** The node kinds, for messages. */
export const NODE_TYPE_LIST = NODE_TYPES.join(', ')
