/**
 * The text categoriser of the LLM Functional Agents seed, as an agentloop LLM function: a typed
 * contract (zod input and output), a post-condition check, retries that tell the model what was
 * wrong, and the attempt history when it still fails. The second half answers in code mode: the
 * model writes a JavaScript snippet that runs in the QuickJS sandbox.
 *
 * Run it with `npx tsx examples/text-categorizer.ts`. It uses the scripted model of
 * `agentloop/testing` (answers are pre-recorded, including one wrong category, so you can watch a
 * retry); swap in a provider's model, e.g. `openai('gpt-4o-mini')`, and nothing else changes.
 */
import { MaxRetriesExceededError, type ModelRequest, messageText, ValidationFailedError } from 'agentloop'
import { configureFunctions, llmFunction } from 'agentloop/functions'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

const ALLOWED_CATEGORIES = ['general_inquiry', 'technical_support', 'billing_question', 'positive_feedback']

const TextInput = z.object({ text: z.string().describe('The text to categorize.') })
const CategoryOutput = z.object({
  category: z.string().describe('The determined category for the text.'),
  confidence: z.number().min(0).max(1).optional().describe('Confidence score (0.0 to 1.0)'),
})

/** The post-condition: a category outside the list is rejected and the model is told why. */
function checkCategoryIsAllowed(output: z.infer<typeof CategoryOutput>) {
  if (!ALLOWED_CATEGORIES.includes(output.category)) {
    return `Category '${output.category}' is not valid. Allowed: ${ALLOWED_CATEGORIES.join(', ')}`
  }
}

/** Stands in for a real model: the first answer about praise uses a made-up category. */
const lastUserText = (request: ModelRequest) =>
  messageText(request.messages.at(-1) ?? { role: 'user', content: '' })
const model = scriptedModel([
  { text: '{"category":"technical_support","confidence":0.92}' },
  { text: '{"category":"awesome_feedback","confidence":0.8}' },
  (request) => ({
    text: lastUserText(request).includes('is not valid')
      ? '{"category":"positive_feedback","confidence":0.85}'
      : '{"category":"awesome_feedback"}',
  }),
  {
    text: '```js\nconst text = input.text.toLowerCase()\nresult = { category: /invoice|charged|refund/.test(text) ? "billing_question" : "general_inquiry", confidence: 0.6 }\n```',
  },
  // The last call: the model insists on a category outside the list, four times.
  ...Array.from({ length: 4 }, () => ({ text: '{"category":"awesome_feedback","confidence":0.7}' })),
])

// One place for the defaults of every LLM function (the seed's configure(...)).
// Code mode loads the QuickJS sandbox (agentloop/sandbox) by itself when quickjs-emscripten is installed.
configureFunctions({ model, maxRetries: 3, sandboxOptions: { timeoutMs: 500 } })

const categorizeText = llmFunction({
  name: 'categorize_text',
  instructions: `Analyze the input text and determine its category.
The category MUST be one of: ${ALLOWED_CATEGORIES.join(', ')}.
Optionally, provide a confidence score (a number between 0.0 and 1.0).`,
  input: TextInput,
  output: CategoryOutput,
  checks: [checkCategoryIsAllowed],
  examples: [
    { input: { text: 'Where is your office?' }, output: { category: 'general_inquiry', confidence: 0.9 } },
  ],
})

/** The same contract, answered by a snippet that runs in the sandbox. */
const categorizeByCode = llmFunction({
  name: 'categorize_text_by_code',
  instructions: `Write code that categorizes input.text as one of: ${ALLOWED_CATEGORIES.join(', ')}.`,
  input: TextInput,
  output: CategoryOutput,
  checks: [checkCategoryIsAllowed],
  mode: 'code',
})

async function categorize(text: string, fn = categorizeText): Promise<void> {
  console.log(`Input text: "${text}"`)
  try {
    const result = await fn.run({ text })
    console.log(`  -> ${JSON.stringify(result.output)} after ${result.attempts.length} attempt(s)`)
    for (const attempt of result.attempts) {
      if (attempt.failure !== undefined)
        console.log(`     attempt ${attempt.attempt} rejected: ${attempt.failure.message}`)
      if (attempt.code !== undefined)
        console.log(`     code run in the sandbox:\n       ${attempt.code.split('\n').join('\n       ')}`)
    }
  } catch (error) {
    // The seed's final-failure printout, from the error's fields.
    if (error instanceof MaxRetriesExceededError) {
      console.log(`\nMAX RETRIES EXCEEDED for '${text}':`)
      console.log(`  Error: ${error.history.at(-1)?.failure?.message}`)
      console.log(`  Function: ${error.functionName}`)
      console.log(`  Attempts: ${error.attempts}/${(error.maxRetries ?? 0) + 1}`)
      for (const attempt of error.history) console.log(`     attempt ${attempt.attempt}: ${attempt.answer}`)
    } else if (error instanceof ValidationFailedError) {
      console.log(`\nVALIDATION FAILED for '${text}':`)
      console.log(`  Error: ${error.history.at(-1)?.failure?.message}`)
      console.log(`  Function: ${error.functionName}`)
      console.log(`  Attempts: ${error.attempt}/${(error.maxRetries ?? 0) + 1}`)
    } else {
      throw error
    }
  }
}

await categorize("I'm having trouble logging into my account on your website.")
await categorize('I love this new feature, it works great!')
await categorize('I was charged twice on my last invoice.', categorizeByCode)
await categorize('This is the best thing ever!!!')
