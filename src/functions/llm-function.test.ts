import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import {
  ConfigError,
  MaxRetriesExceededError,
  ModelError,
  RunCancelledError,
  ValidationFailedError,
} from '../errors/errors.js'
import type { BeforeModelEvent } from '../hooks/hooks.js'
import { messageText } from '../messages/message.js'
import type { ModelRequest } from '../model/model-request.js'
import { run } from '../run/run.js'
import { runInSandbox } from '../sandbox/run-in-sandbox.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { configureFunctions, resetFunctionDefaults } from './function-defaults.js'
import type { FunctionEvent } from './function-event.js'
import { llmFunction } from './llm-function.js'

const CATEGORIES = ['general_inquiry', 'technical_support', 'billing_question', 'positive_feedback'] as const

const input = z.object({ text: z.string().describe('The text to categorize.') })
const output = z.object({
  category: z.string(),
  confidence: z.number().min(0).max(1).optional(),
})

function checkCategoryIsAllowed(result: z.infer<typeof output>) {
  if (!(CATEGORIES as readonly string[]).includes(result.category)) {
    return `Category '${result.category}' is not valid. Allowed: ${CATEGORIES.join(', ')}`
  }
}

/** The text of the last user message of a request: the task or the latest feedback. */
const lastUserText = (request: ModelRequest | undefined) => {
  const messages = request?.messages ?? []
  const last = [...messages].reverse().find((message) => message.role === 'user')
  return last === undefined ? '' : messageText(last)
}

afterEach(() => resetFunctionDefaults())

describe('llmFunction in JSON mode', () => {
  it('returns the validated output and asks through native structured output', async () => {
    const model = scriptedModel([{ text: '{"category":"technical_support","confidence":0.9}' }])
    const categorize = llmFunction({
      name: 'categorize_text',
      instructions: 'Find the category of the text.',
      input,
      output,
      checks: [checkCategoryIsAllowed],
      model,
    })
    const result = await categorize({ text: 'I cannot log in.' })
    expect(result).toEqual({ category: 'technical_support', confidence: 0.9 })
    expect(categorize.name).toBe('categorize_text')
    const [request] = model.requests
    expect(request?.output).toMatchObject({ name: 'categorize_text', strict: true })
    expect(request?.output?.schema).toMatchObject({ type: 'object', additionalProperties: false })
    expect(request?.instructions).toContain('Find the category of the text.')
    expect(lastUserText(request)).toContain('{"text":"I cannot log in."}')
    expect(lastUserText(request)).toContain('Output JSON Schema')
  })

  it('feeds a failed check back to the model and succeeds on the next attempt', async () => {
    const model = scriptedModel([
      { text: '{"category":"awesome_feedback","confidence":0.8}' },
      { text: '{"category":"positive_feedback","confidence":0.8}' },
    ])
    const categorize = llmFunction({
      name: 'categorize_text',
      instructions: 'Find the category.',
      input,
      output,
      checks: [checkCategoryIsAllowed],
      model,
    })
    const result = await categorize.run({ text: 'I love this feature!' })
    expect(result.output.category).toBe('positive_feedback')
    expect(result.attempts).toHaveLength(2)
    expect(result.attempts[0]?.failure).toMatchObject({ kind: 'check', check: 'checkCategoryIsAllowed' })
    expect(result.usage.modelCalls).toBe(2)
    // The second request carries the first answer and what was wrong with it.
    const second = model.requests[1]
    expect(second?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user'])
    expect(lastUserText(second)).toContain('check "checkCategoryIsAllowed" failed')
    expect(lastUserText(second)).toContain("Category 'awesome_feedback' is not valid")
  })

  it('names the offending field of a schema failure, and explains a parse failure', async () => {
    const model = scriptedModel([
      { text: 'Sure! The category is billing.' },
      { text: '{"category":"billing_question","confidence":7}' },
      { text: '```json\n{"category":"billing_question","confidence":0.7}\n```' },
    ])
    const categorize = llmFunction({ name: 'categorize', instructions: 'Categorize.', input, output, model })
    const result = await categorize.run({ text: 'I was charged twice' })
    expect(result.output).toEqual({ category: 'billing_question', confidence: 0.7 })
    expect(lastUserText(model.requests[1])).toContain('not valid JSON')
    expect(lastUserText(model.requests[2])).toMatch(/does not match the output schema: confidence: .*1/)
    expect(result.attempts.map((attempt) => attempt.failure?.kind)).toEqual(['parse', 'schema', undefined])
  })

  it('runs checks in order with the input; a check may throw or return a message', async () => {
    const seen: unknown[] = []
    const model = scriptedModel([
      { text: '{"category":"technical_support"}' },
      { text: '{"category":"general_inquiry"}' },
    ])
    const categorize = llmFunction({
      name: 'categorize',
      instructions: 'Categorize.',
      input,
      output,
      model,
      checks: [
        (result, given) => {
          seen.push(given)
          if (given.text.includes('hello') && result.category !== 'general_inquiry') {
            throw new Error('a greeting is a general inquiry')
          }
        },
        { name: 'always fine', check: async () => undefined },
      ],
    })
    expect(await categorize({ text: 'hello there' })).toEqual({ category: 'general_inquiry' })
    expect(seen).toEqual([{ text: 'hello there' }, { text: 'hello there' }])
    expect(lastUserText(model.requests[1])).toContain('a greeting is a general inquiry')
  })

  it('gives up with MaxRetriesExceededError carrying the whole history and the summed usage', async () => {
    const answer = { text: '{"category":"nope"}', usage: { inputTokens: 10, outputTokens: 2 } }
    const model = scriptedModel([answer, answer, answer])
    const categorize = llmFunction({
      name: 'categorize_text',
      instructions: 'Categorize.',
      input,
      output,
      checks: [checkCategoryIsAllowed],
      model,
      maxRetries: 2,
    })
    const error = await categorize({ text: 'x' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MaxRetriesExceededError)
    const failure = error as MaxRetriesExceededError
    expect(failure.functionName).toBe('categorize_text')
    expect(failure.attempts).toBe(3)
    // "Attempts: n/N" from fields: 3/3.
    expect(failure.maxRetries).toBe(2)
    expect((failure.cause as ValidationFailedError).attempt).toBe(3)
    expect(failure.history.map((attempt) => attempt.attempt)).toEqual([1, 2, 3])
    expect(failure.history).toHaveLength(3)
    expect(failure.usage).toMatchObject({ inputTokens: 30, outputTokens: 6, totalTokens: 36 })
    const last = failure.history[2]
    expect(last?.answer).toBe('{"category":"nope"}')
    expect(last?.value).toEqual({ category: 'nope' })
    expect(last?.failure?.message).toContain("Category 'nope' is not valid")
    expect(last?.prompt.messages).toHaveLength(5)
    expect(last?.prompt.instructions).toContain('Categorize.')
    expect(failure.message).toContain('gave up after 3 attempts')
    expect(failure.cause).toBeInstanceOf(ValidationFailedError)
    expect((failure.cause as ValidationFailedError).history).toHaveLength(3)
  })

  it('throws ValidationFailedError with the history when no retry is allowed', async () => {
    const model = scriptedModel([{ text: '{"category":1}' }])
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model, maxRetries: 0 })
    const error = await categorize({ text: 'x' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationFailedError)
    expect(error).toMatchObject({ functionName: 'c', value: '{"category":1}' })
    expect((error as ValidationFailedError).issues[0]?.path).toEqual(['category'])
    expect((error as ValidationFailedError).history).toHaveLength(1)
    expect(error).toMatchObject({ attempt: 1, maxRetries: 0 })
  })

  it('reads an answer given as a forced tool call (native structured output of some providers)', async () => {
    const model = scriptedModel([{ toolCalls: [{ name: 'c', arguments: { category: 'general_inquiry' } }] }])
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model })
    expect(await categorize({ text: 'hi' })).toEqual({ category: 'general_inquiry' })
  })

  it('shows examples in the prompt', async () => {
    const model = scriptedModel([{ text: '{"category":"general_inquiry"}' }])
    const categorize = llmFunction({
      name: 'c',
      instructions: 'C.',
      input,
      output,
      model,
      examples: [{ input: { text: 'Where are you based?' }, output: { category: 'general_inquiry' } }],
    })
    await categorize({ text: 'hi' })
    expect(lastUserText(model.requests[0])).toContain(
      'Input: {"text":"Where are you based?"}\nOutput: {"category":"general_inquiry"}',
    )
  })

  it('rejects bad input and bad definitions with ConfigError naming the field', async () => {
    const model = scriptedModel([])
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model })
    await expect(categorize({ text: 3 } as never)).rejects.toThrow(/the input is invalid: text: /)
    expect(() => llmFunction({ name: 'bad name', instructions: 'C.', input, output, model })).toThrow(
      ConfigError,
    )
    expect(() => llmFunction({ name: 'c', instructions: '', input, output, model })).toThrow(/instructions/)
    expect(() =>
      llmFunction({ name: 'c', instructions: 'C.', input, output, model, maxRetries: -1 }),
    ).toThrow(/maxRetries/)
    // No model anywhere: none given, none configured, no AGENTLOOP_MODEL (and no .env read).
    const savedModel = process.env.AGENTLOOP_MODEL
    delete process.env.AGENTLOOP_MODEL
    configureFunctions({ envFile: false })
    await expect(
      llmFunction({ name: 'c', instructions: 'C.', input, output })({ text: 'x' }),
    ).rejects.toThrow(/no model/)
    if (savedModel !== undefined) process.env.AGENTLOOP_MODEL = savedModel
    await expect(
      llmFunction({
        name: 'c',
        instructions: 'C.',
        input,
        output,
        model,
        mode: 'code',
        sandbox: 42 as never,
      })({
        text: 'x',
      }),
    ).rejects.toThrow(/sandbox must be a function/)
  })
})

describe('model hooks of a call', () => {
  it('runs beforeModel and afterModel around each attempt, with the counted tokens', async () => {
    const model = scriptedModel(
      [
        { text: '{"category":"awesome_feedback","confidence":0.8}' },
        { text: '{"category":"positive_feedback","confidence":0.8}' },
      ],
      { provider: 'acme', modelId: 'small' },
    )
    const categorize = llmFunction({
      name: 'categorize_text',
      instructions: 'Find the category.',
      input,
      output,
      checks: [checkCategoryIsAllowed],
      model,
    })
    const seen: string[] = []
    const before: BeforeModelEvent<unknown>[] = []
    const result = await categorize.run(
      { text: 'I love this feature!' },
      {
        runId: 'call-1',
        hooks: {
          beforeModel: (event) => {
            before.push(event)
            seen.push(`before ${event.turn}`)
          },
          afterModel: (event) => void seen.push(`after ${event.turn} ${event.purpose}`),
        },
      },
    )
    expect(result.output.category).toBe('positive_feedback')
    expect(seen).toEqual(['before 1', 'after 1 turn', 'before 2', 'after 2 turn'])
    expect(before[0]).toMatchObject({
      runId: 'call-1',
      agentName: 'categorize_text',
      model: 'acme:small',
      purpose: 'turn',
      tokens: { input: expect.any(Number), reservedOutput: expect.any(Number) },
    })
    expect(before[1]?.tokens?.input).toBeGreaterThan(before[0]?.tokens?.input ?? 0)
  })

  it('a refusal by beforeModel sends nothing, reports budget.exceeded and is not retried', async () => {
    const model = scriptedModel([{ text: '{"category":"general_inquiry","confidence":1}' }])
    const categorize = llmFunction({
      name: 'categorize_text',
      instructions: 'Find it.',
      input,
      output,
      model,
    })
    const events: FunctionEvent[] = []
    const refusal = new BudgetExceededError({
      budget: {
        scope: 'owner',
        id: 'team-a',
        metric: 'tokens',
        period: 'day',
        limit: 10,
        used: 10,
        requested: 50,
      },
    })
    await expect(
      categorize.run(
        { text: 'hi' },
        {
          onEvent: (event) => void events.push(event),
          hooks: {
            beforeModel: () => {
              throw refusal
            },
          },
        },
      ),
    ).rejects.toBe(refusal)
    expect(model.requests).toHaveLength(0)
    const types = events.map((event) => event.type)
    expect(types).toContain('budget.exceeded')
    expect(types).not.toContain('model.start')
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'failed', turns: 1 })
  })
})

describe('defaults', () => {
  it('takes the model, retries and mode from configureFunctions, at call time', async () => {
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output })
    const model = scriptedModel([{ text: '{"category":1}' }])
    configureFunctions({ model, maxRetries: 0 })
    await expect(categorize({ text: 'x' })).rejects.toThrow(ValidationFailedError)
    expect(model.requests).toHaveLength(1)
    expect(() => configureFunctions({ mode: 'yaml' as never })).toThrow(/mode must be 'json' or 'code'/)
    expect(() => configureFunctions({ retries: 2 } as never)).toThrow(/unknown option "retries"/)
  })
})

describe('llmFunction in code mode', () => {
  it('runs the snippet in the sandbox and validates its result', async () => {
    const model = scriptedModel([
      {
        text: "Here you go:\n```js\nconst words = input.text.split(' ')\nresult = { category: words.length > 3 ? 'technical_support' : 'general_inquiry', confidence: 0.5 }\n```",
      },
    ])
    const categorize = llmFunction({
      name: 'c',
      instructions: 'C.',
      input,
      output,
      model,
      mode: 'code',
      sandbox: runInSandbox,
      sandboxOptions: { timeoutMs: 5000 },
    })
    const result = await categorize.run({ text: 'my login page is broken' })
    expect(result.output).toEqual({ category: 'technical_support', confidence: 0.5 })
    expect(result.attempts[0]?.code).toContain('const words')
    expect(model.requests[0]?.output).toBeUndefined()
    expect(lastUserText(model.requests[0])).toContain('```js')
  })

  it('feeds sandbox errors and invalid results back, then succeeds', async () => {
    const model = scriptedModel([
      { text: '```js\nresult = input.txt.length\n```' },
      { text: '```js\nwhile (true) {}\n```' },
      { text: "```js\nresult = { category: 'general_inquiry' }\n```" },
    ])
    configureFunctions({ sandbox: runInSandbox, sandboxOptions: { timeoutMs: 1500 } })
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model, mode: 'code' })
    const result = await categorize.run({ text: 'hi' })
    expect(result.output).toEqual({ category: 'general_inquiry' })
    expect(lastUserText(model.requests[1])).toMatch(/sandbox \(runtime\): TypeError: .*\(line 1\)/)
    expect(lastUserText(model.requests[2])).toMatch(/sandbox \(timeout\)/)
    expect(result.attempts.map((attempt) => attempt.failure?.sandboxKind)).toEqual([
      'runtime',
      'timeout',
      undefined,
    ])
  })
})

describe('code mode with granted host functions', () => {
  it('lists them in the prompt and lets the snippet await them', async () => {
    const model = scriptedModel([
      {
        text: "```js\nconst known = await lookupCustomer(input.text)\nresult = { category: known ? 'billing_question' : 'general_inquiry' }\n```",
      },
    ])
    const categorize = llmFunction({
      name: 'c',
      instructions: 'C.',
      input,
      output,
      model,
      mode: 'code',
      sandbox: runInSandbox,
      sandboxOptions: { functions: { lookupCustomer: (text: unknown) => String(text).includes('ACME') } },
    })
    expect(await categorize({ text: 'ACME invoice' })).toEqual({ category: 'billing_question' })
    expect(lastUserText(model.requests[0])).toContain(
      'You may `await` these host functions: lookupCustomer(...)',
    )
  })
})

describe('events, cancellation and tools', () => {
  it('emits the events of a run, plus attempt.end', async () => {
    const events: FunctionEvent[] = []
    const model = scriptedModel([{ text: '{"category":"x"}' }, { text: '{"category":"general_inquiry"}' }])
    const categorize = llmFunction({
      name: 'categorize',
      instructions: 'C.',
      input,
      output,
      model,
      checks: [checkCategoryIsAllowed],
    })
    await categorize({ text: 'hi' }, { onEvent: (event) => void events.push(event) })
    const types = events.map((event) => event.type).filter((type) => type !== 'text.delta')
    expect(types).toEqual([
      'run.start',
      'turn.start',
      'model.start',
      'model.end',
      'attempt.end',
      'turn.end',
      'turn.start',
      'model.start',
      'model.end',
      'attempt.end',
      'turn.end',
      'run.end',
    ])
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    expect(new Set(events.map((event) => event.runId)).size).toBe(1)
    expect(events[0]).toMatchObject({
      type: 'run.start',
      agent: 'categorize',
      model: 'scripted:scripted-model',
    })
    expect(events.find((event) => event.type === 'attempt.end')).toMatchObject({
      ok: false,
      failure: { kind: 'check' },
    })
    expect(events.at(-1)).toMatchObject({
      type: 'run.end',
      status: 'completed',
      output: { category: 'general_inquiry' },
      turns: 2,
    })
    expect(JSON.parse(JSON.stringify(events))).toEqual(events)
  })

  it('streams the same events', async () => {
    const model = scriptedModel([{ text: '{"category":"general_inquiry"}' }])
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model })
    const stream = categorize.stream({ text: 'hi' })
    const types: string[] = []
    for await (const event of stream) types.push(event.type)
    expect(types[0]).toBe('run.start')
    expect(types.at(-1)).toBe('run.end')
    expect((await stream.result).output).toEqual({ category: 'general_inquiry' })
  })

  it('is cancelled by its signal, even mid model call', async () => {
    const events: FunctionEvent[] = []
    const model = scriptedModel([{ text: '{"category":"general_inquiry"}', delayMs: 5_000 }])
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 30)
    const started = performance.now()
    await expect(
      categorize({ text: 'hi' }, { signal: controller.signal, onEvent: (event) => void events.push(event) }),
    ).rejects.toThrow(RunCancelledError)
    expect(performance.now() - started).toBeLessThan(1000)
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'cancelled' })
  })

  it('is cancelled while its snippet runs in the sandbox', async () => {
    const model = scriptedModel([{ text: '```js\nwhile (true) {}\n```' }])
    const categorize = llmFunction({
      name: 'c',
      instructions: 'C.',
      input,
      output,
      model,
      mode: 'code',
      sandbox: runInSandbox,
      sandboxOptions: { timeoutMs: 10_000 },
    })
    const started = performance.now()
    await expect(categorize({ text: 'hi' }, { signal: AbortSignal.timeout(150) })).rejects.toThrow(
      RunCancelledError,
    )
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('passes a provider failure through as ModelError and ends its events with run.end failed', async () => {
    const events: FunctionEvent[] = []
    const model = scriptedModel([{ error: new Error('connection reset') }])
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model })
    await expect(categorize({ text: 'hi' }, { onEvent: (event) => void events.push(event) })).rejects.toThrow(
      ModelError,
    )
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'failed', error: { name: 'ModelError' } })
  })

  it('cancels the call when the stream consumer stops reading', async () => {
    const model = scriptedModel([{ text: '{"category":"general_inquiry"}', delayMs: 5_000 }])
    const categorize = llmFunction({ name: 'c', instructions: 'C.', input, output, model })
    const stream = categorize.stream({ text: 'hi' })
    for await (const event of stream) if (event.type === 'model.start') break
    await expect(stream.result).rejects.toThrow(RunCancelledError)
  })

  it('works as a tool of an agent', async () => {
    const functionModel = scriptedModel([{ text: '{"category":"billing_question","confidence":0.9}' }])
    const categorize = llmFunction({
      name: 'categorize_text',
      instructions: 'Find the category of a customer message.',
      input,
      output,
      model: functionModel,
    })
    const agentModel = scriptedModel([
      { toolCalls: [{ name: 'categorize_text', arguments: { text: 'I was charged twice' } }] },
      { text: 'That is a billing question.' },
    ])
    const agent = new Agent({ name: 'triage', model: agentModel, tools: [categorize.asTool()] })
    const result = await run(agent, 'Triage: I was charged twice')
    expect(result.output).toBe('That is a billing question.')
    expect(agentModel.requests[0]?.tools[0]).toMatchObject({
      name: 'categorize_text',
      description: 'Find the category of a customer message.',
    })
    const toolMessage = agentModel.requests[1]?.messages.find((message) => message.role === 'tool')
    expect(toolMessage?.content).toBe('{"category":"billing_question","confidence":0.9}')
  })
})
