/**
 * An extractor as an LLM function (seed 004's "data extraction"): pull structured fields out of
 * free text, with the schema checking the shapes (an ISO date, a three-letter currency) and
 * post-conditions checking what a schema cannot: the line items add up to the total, and the
 * vendor is really named in the text. The first answer adds up wrongly: the check rejects it,
 * the model is told the difference and answers again. The second call shows the failure path
 * with no retries allowed: a `ValidationFailedError` carrying the schema issues and the attempt.
 *
 * Run it with `npx tsx examples/invoice-extractor.ts`. It uses the scripted model of
 * `agentloop/testing`; give the function a real model instead (`model: 'openai:gpt-4o-mini'`, or
 * `AGENTLOOP_MODEL` in the environment or a `.env` file).
 */
import { MaxRetriesExceededError, messageText, ValidationFailedError } from 'agentloop'
import { llmFunction } from 'agentloop/functions'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

const Invoice = z.object({
  vendor: z.string().min(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use the ISO format YYYY-MM-DD'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'use a three-letter ISO 4217 code such as EUR'),
  total: z.number(),
  lineItems: z.array(z.object({ description: z.string(), amount: z.number() })).min(1),
})
type Invoice = z.infer<typeof Invoice>
const EmailInput = z.object({ email: z.string().describe('The text of the e-mail carrying the invoice.') })

/** Post-condition: the items add up to the total (to the cent). */
function itemsAddUp(invoice: Invoice) {
  const sum = invoice.lineItems.reduce((total, item) => total + item.amount, 0)
  if (Math.abs(sum - invoice.total) >= 0.005) {
    return `The line items add up to ${sum.toFixed(2)} but the total is ${invoice.total.toFixed(2)}. List every item with its amount as written.`
  }
}

/** Post-condition: no invented vendor. */
function vendorNamedInText(invoice: Invoice, input: z.infer<typeof EmailInput>) {
  if (!input.email.includes(invoice.vendor)) return `The vendor "${invoice.vendor}" is not named in the text.`
}

const EMAIL = `Hello, please find our invoice of 3 March 2025 below.
Northwind Traders - Invoice 2025-117
Consulting, 2 days: EUR 1,600.00
Travel expenses: EUR 245.50
Total due: EUR 1,845.50`

const model = scriptedModel([
  // Call 1, attempt 1: the travel expenses are missing, so the items do not add up.
  {
    text: JSON.stringify({
      vendor: 'Northwind Traders',
      date: '2025-03-03',
      currency: 'EUR',
      total: 1845.5,
      lineItems: [{ description: 'Consulting, 2 days', amount: 1600 }],
    }),
  },
  // Call 1, attempt 2: after the feedback.
  {
    text: JSON.stringify({
      vendor: 'Northwind Traders',
      date: '2025-03-03',
      currency: 'EUR',
      total: 1845.5,
      lineItems: [
        { description: 'Consulting, 2 days', amount: 1600 },
        { description: 'Travel expenses', amount: 245.5 },
      ],
    }),
  },
  // Call 2: the date is not in ISO format, and no retry is allowed.
  {
    text: JSON.stringify({
      vendor: 'Northwind Traders',
      date: '3 March 2025',
      currency: '€',
      total: 1845.5,
      lineItems: [{ description: 'Consulting and travel', amount: 1845.5 }],
    }),
  },
])

const definition = {
  instructions: 'Extract the invoice fields from the e-mail. Amounts are numbers, the date is YYYY-MM-DD.',
  input: EmailInput,
  output: Invoice,
  checks: [itemsAddUp, vendorNamedInText],
  model,
}
const extractInvoice = llmFunction({ name: 'extract_invoice', ...definition, maxRetries: 2 })
const extractInvoiceOnce = llmFunction({ name: 'extract_invoice_once', ...definition, maxRetries: 0 })

/** Prints the outcome of one call, and on failure the seed's final-failure report, from fields. */
async function extractAndReport(fn: typeof extractInvoice, email: string): Promise<void> {
  console.log(`Extracting with ${fn.functionName}`)
  try {
    const result = await fn.run({ email })
    console.log(`  -> ${JSON.stringify(result.output)} after ${result.attempts.length} attempt(s)`)
    for (const attempt of result.attempts) {
      if (attempt.failure === undefined) continue
      console.log(`     attempt ${attempt.attempt} rejected: ${attempt.failure.message}`)
      // What the model was told: the last message of the next attempt's prompt.
      const feedback = result.attempts[attempt.attempt]?.prompt.messages.at(-1)
      if (feedback !== undefined) console.log(`     feedback sent: ${messageText(feedback).split('\n')[0]}`)
    }
  } catch (error) {
    if (error instanceof ValidationFailedError) {
      console.log(`VALIDATION FAILED for '${email.split('\n')[0]}':`)
      console.log(`  Error: ${error.history.at(-1)?.failure?.message}`)
      for (const issue of error.issues) console.log(`    - ${issue.path.join('.')}: ${issue.message}`)
      console.log(`  Function: ${error.functionName}`)
      console.log(`  Attempts: ${error.attempt}/${(error.maxRetries ?? 0) + 1}`)
    } else if (error instanceof MaxRetriesExceededError) {
      console.log(`MAX RETRIES EXCEEDED for '${email.split('\n')[0]}':`)
      console.log(`  Error: ${error.history.at(-1)?.failure?.message}`)
      console.log(`  Function: ${error.functionName}`)
      console.log(`  Attempts: ${error.attempts}/${(error.maxRetries ?? 0) + 1}`)
    } else {
      throw error
    }
  }
}

await extractAndReport(extractInvoice, EMAIL)
await extractAndReport(extractInvoiceOnce, EMAIL)
