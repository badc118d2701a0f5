/**
 * The zod schema of a stored `RunState`, used to validate a checkpoint read back from storage.
 * Loaded on demand (`await import(...)`) so importing agentloop does not load zod.
 *
 * @module
 */
import { z } from 'zod'
import { Message, ToolMessage } from '../messages/message-schema.js'

const ToolChoice = z.union([z.enum(['auto', 'required', 'none']), z.object({ name: z.string() })])

const RunItem = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message'), role: z.literal('assistant'), text: z.string(), turn: z.number() }),
  z.object({ type: z.literal('reasoning'), text: z.string(), turn: z.number() }),
  z.object({
    type: z.literal('tool.call'),
    callId: z.string(),
    name: z.string(),
    arguments: z.string(),
    turn: z.number(),
  }),
  z.object({
    type: z.literal('tool.result'),
    callId: z.string(),
    name: z.string(),
    output: z.string(),
    isError: z.boolean(),
    turn: z.number(),
  }),
])

const Usage = z.looseObject({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
  modelCalls: z.number(),
  toolCalls: z.number(),
})

/** Format version 1 of a run's checkpoint. */
export const RunStateV1 = z.object({
  version: z.literal(1),
  runId: z.string().min(1),
  agentName: z.string().min(1),
  status: z.enum(['running', 'completed', 'failed', 'cancelled', 'awaiting_approval', 'needs_review']),
  turn: z.number().int().min(0),
  messages: z.array(Message),
  inputLength: z.number().int().min(0),
  items: z.array(RunItem),
  usage: Usage,
  toolChoice: ToolChoice,
  outputRetries: z.number().int().min(0),
  toolCalls: z
    .record(
      z.string(),
      z.object({
        status: z.enum(['approval', 'review', 'approved', 'rejected', 'started', 'done']),
        idempotencyKey: z.string(),
        approved: z.boolean().optional(),
        result: ToolMessage.optional(),
        message: z.string().optional(),
        nested: z
          .object({
            runId: z.string(),
            agent: z.string(),
            waiting: z.array(
              z.object({
                callId: z.string(),
                toolName: z.string(),
                arguments: z.unknown(),
                kind: z.enum(['approval', 'review']),
                agent: z.string(),
                runId: z.string(),
              }),
            ),
            decisions: z
              .array(z.object({ callId: z.string(), approve: z.boolean(), message: z.string().optional() }))
              .optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  output: z.unknown().optional(),
  error: z.object({ name: z.string(), message: z.string() }).optional(),
  session: z
    .object({
      id: z.string(),
      historyLength: z.number().int().min(0),
      headId: z.string().nullable().optional(),
    })
    .optional(),
  // Added with handoffs and agent tools: optional, so runs stored before them still load.
  activeAgent: z.string().min(1).optional(),
  handoffs: z
    .array(
      z.object({
        from: z.string(),
        to: z.string(),
        callId: z.string(),
        turn: z.number().int().min(0),
        at: z.number().int().min(0),
      }),
    )
    .optional(),
  parent: z
    .union([
      z.object({ runId: z.string(), callId: z.string() }),
      z.object({ runId: z.string(), nodeId: z.string() }),
    ])
    .optional(),
})
