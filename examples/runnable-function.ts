/**
 * A plain async function as a runnable: submitted by name, executed by the runtime's in-process
 * queue, watched through `runtime.events`, with a durable step, a checkpoint, custom events, and a
 * cancellation. The first attempt fails after its first step (a simulated outage); the retry skips
 * the saved step and finishes.
 *
 * Run it with `npx tsx examples/runnable-function.ts`.
 */
import {
  createMemoryStorage,
  type Runnable,
  type RunnableContext,
  RunCancelledError,
  Runtime,
} from 'agentloop'

let outage = true

const wordReport: Runnable = {
  name: 'word-report',
  async run(ctx: RunnableContext) {
    const text = String(ctx.input[0]?.content ?? '')
    // A durable step: its result is saved with the run, so a retry does not fetch again.
    const words = await ctx.step('split', () => text.split(/\s+/).filter(Boolean))
    await ctx.emit('progress', { step: 'split', words: words.length })
    if (outage) {
      outage = false
      throw new Error('counter outage') // retried from the checkpoint (runner retries, default 3)
    }
    const longest = words.reduce((best, word) => (word.length > best.length ? word : best), '')
    await ctx.checkpoint({ longest })
    return { words: words.length, longest, attempt: ctx.attempt }
  },
}

const waitForCancel: Runnable = {
  name: 'wait-for-cancel',
  run: ({ signal }: RunnableContext) =>
    new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
}

const runtime = new Runtime({
  storage: createMemoryStorage(),
  runnables: [wordReport, waitForCancel],
  runner: { retryDelayMs: 10 },
})

const { runId } = await runtime.submit('word-report', 'agents whose runs survive crashes and restarts')
for await (const event of runtime.events(runId)) {
  const detail =
    event.type === 'custom'
      ? ` ${event.name} ${JSON.stringify(event.data)}`
      : event.type === 'step.start' || event.type === 'step.end' || event.type === 'step.skip'
        ? ` ${event.step}`
        : event.type === 'run.end'
          ? ` ${event.status}`
          : ''
  console.log(`${event.seq} ${event.type}${detail}`)
}
const result = await runtime.wait(runId)
console.log('output:', JSON.stringify(result.output))

const waiting = await runtime.submit('wait-for-cancel', 'nothing')
while ((await runtime.storage?.runs.get(waiting.runId))?.status !== 'running') {
  await new Promise((resolve) => setTimeout(resolve, 5))
}
await runtime.cancel(waiting.runId)
try {
  await runtime.wait(waiting.runId)
} catch (error) {
  console.log('cancelled:', error instanceof RunCancelledError)
}
await runtime.close()
