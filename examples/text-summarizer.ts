/**
 * A summariser as an LLM function (seed 004's "summarization"): the contract is a zod schema plus
 * two post-conditions written in code, a word limit and "every key point must come from the
 * text". The first answer is too long: the check rejects it, the model is told why and answers
 * again. The second call shows the failure path: the model never meets the limit, and the error
 * carries everything needed to print the seed's final-failure report from fields.
 *
 * Run it with `npx tsx examples/text-summarizer.ts`. It uses the scripted model of
 * `agentloop/testing` (pre-recorded answers); give the function a real model instead, such as
 * `model: 'openai:gpt-4o-mini'`, or set `AGENTLOOP_MODEL` (in the environment or a `.env` file)
 * and drop `model`.
 */
import { MaxRetriesExceededError, messageText, ValidationFailedError } from 'agentloop'
import { llmFunction } from 'agentloop/functions'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

const SummaryInput = z.object({
  text: z.string().describe('The text to summarise.'),
  maxWords: z.number().int().positive().describe('The longest summary allowed, in words.'),
})
const SummaryOutput = z.object({
  summary: z.string().describe('The summary, at most maxWords words.'),
  keyPoints: z
    .array(z.string())
    .min(1)
    .max(3)
    .describe('One to three key points, each a phrase from the text.'),
})

const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length

/** Post-condition: the word limit. */
function withinWordLimit(output: z.infer<typeof SummaryOutput>, input: z.infer<typeof SummaryInput>) {
  const words = wordCount(output.summary)
  if (words > input.maxWords) {
    return `The summary has ${words} words; the limit is ${input.maxWords}. Shorten it.`
  }
}

/** Post-condition: no invented key points. */
function keyPointsFromText(output: z.infer<typeof SummaryOutput>, input: z.infer<typeof SummaryInput>) {
  const missing = output.keyPoints.filter((point) => !input.text.toLowerCase().includes(point.toLowerCase()))
  if (missing.length > 0) return `These key points do not appear in the text: ${missing.join('; ')}.`
}

const REPORT = `The quarterly report shows revenue up 12% to 4.2 million euros, driven by the new
subscription plan. Costs rose 5%, mostly from hiring two support engineers. The board approved
opening an office in Lisbon next spring.`

const model = scriptedModel([
  // Call 1, attempt 1: too long, rejected by withinWordLimit.
  {
    text: JSON.stringify({
      summary:
        'The quarterly report explains that revenue grew by twelve percent to 4.2 million euros thanks to the new subscription plan, while costs rose five percent because two support engineers were hired, and the board approved a Lisbon office.',
      keyPoints: ['revenue up 12%', 'office in Lisbon'],
    }),
  },
  // Call 1, attempt 2: after the feedback.
  {
    text: JSON.stringify({
      summary: 'Revenue rose 12% on subscriptions; costs rose 5%; a Lisbon office opens next spring.',
      keyPoints: ['revenue up 12%', 'office in Lisbon'],
    }),
  },
  // Call 2: the model never gets under a 5-word limit.
  {
    text: JSON.stringify({
      summary: 'Revenue grew twelve percent this quarter.',
      keyPoints: ['revenue up 12%'],
    }),
  },
  {
    text: JSON.stringify({
      summary: 'Revenue grew by twelve percent overall.',
      keyPoints: ['revenue up 12%'],
    }),
  },
])

const summarize = llmFunction({
  name: 'summarize_text',
  instructions: 'Summarise the text in at most maxWords words and list its key points, quoting the text.',
  input: SummaryInput,
  output: SummaryOutput,
  checks: [withinWordLimit, keyPointsFromText],
  maxRetries: 1,
  model,
})

/** Prints the outcome of one call, and on failure the seed's final-failure report, from fields. */
async function summarizeAndReport(input: z.input<typeof SummaryInput>): Promise<void> {
  console.log(`Summarising ${input.text.length} characters in at most ${input.maxWords} words`)
  try {
    const result = await summarize.run(input)
    console.log(`  -> ${JSON.stringify(result.output)}`)
    for (const attempt of result.attempts) {
      if (attempt.failure === undefined) continue
      console.log(`     attempt ${attempt.attempt} rejected: ${attempt.failure.message}`)
      const next = result.attempts[attempt.attempt]
      const feedback = next?.prompt.messages.at(-1)
      if (feedback !== undefined) console.log(`     feedback sent: ${messageText(feedback).split('\n')[0]}`)
    }
  } catch (error) {
    if (error instanceof MaxRetriesExceededError) {
      console.log(`MAX RETRIES EXCEEDED for '${input.text.slice(0, 40)}...':`)
      console.log(`  Error: ${error.history.at(-1)?.failure?.message}`)
      console.log(`  Function: ${error.functionName}`)
      console.log(`  Attempts: ${error.attempts}/${(error.maxRetries ?? 0) + 1}`)
    } else if (error instanceof ValidationFailedError) {
      console.log(`VALIDATION FAILED for '${input.text.slice(0, 40)}...':`)
      console.log(`  Error: ${error.history.at(-1)?.failure?.message}`)
      console.log(`  Function: ${error.functionName}`)
      console.log(`  Attempts: ${error.attempt}/${(error.maxRetries ?? 0) + 1}`)
    } else {
      throw error
    }
  }
}

await summarizeAndReport({ text: REPORT, maxWords: 20 })
await summarizeAndReport({ text: REPORT, maxWords: 5 })
