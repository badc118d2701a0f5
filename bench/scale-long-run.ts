/**
 * How a long durable run scales (issue 21): one run of TURNS model calls, each calling a tool, on
 * SQLite. Prints the time of a turn at several points (the last should stay within 2x of the
 * first) and the bytes each checkpoint writes (snapshot + new messages and items + events: flat,
 * so the total is linear in turns).
 *
 * Section `long-run` of bench/scale.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type Model, type ModelStreamPart, Runtime, type Storage, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { z } from 'zod'
const TURNS = Number(process.env.TURNS ?? 500)

const note = tool({
  name: 'note',
  description: 'Write a note',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => `noted: ${text}`,
})
const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'stateless',
  async *stream(request): AsyncIterable<ModelStreamPart> {
    const results = request.messages.filter((message) => message.role === 'tool').length
    yield { type: 'response.start' }
    yield { type: 'text.delta', delta: `Turn ${results + 1}: writing a note of about a hundred characters. ` }
    if (results < TURNS - 1) {
      yield { type: 'tool.call.start', callId: `c${results}`, name: 'note' }
      yield { type: 'tool.call.delta', callId: `c${results}`, delta: `{"text":"note number ${results}"}` }
      yield { type: 'tool.call.end', callId: `c${results}` }
    }
    yield {
      type: 'finish',
      finishReason: results < TURNS - 1 ? 'tool-calls' : 'stop',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    }
  },
  async generate() {
    throw new Error('not used')
  },
}
const agent = new Agent({ name: 'scale', model, tools: [note], maxTurns: TURNS + 1 })

/** Prints the long-run curve. */
export async function longRunSection(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agentloop-bench-scale-'))
  const base = createSqliteStorage({ path: join(dir, 'scale.sqlite'), synchronous: 'NORMAL' })
  const bytes: number[] = []
  const storage: Storage = {
    ...base,
    runs: {
      ...base.runs,
      save: (input) => {
        bytes.push(
          JSON.stringify(input.snapshot).length +
            (input.part === undefined ? 0 : JSON.stringify(input.part).length) +
            (input.events === undefined ? 0 : JSON.stringify(input.events).length),
        )
        return base.runs.save(input)
      },
    },
  }
  const runtime = new Runtime({ storage, agents: [agent] })
  const turnTimes: number[] = []
  let last = 0
  const events = runtime.stream(agent, 'Write notes.')
  for await (const event of events) {
    if (event.type === 'turn.start') last = performance.now()
    if (event.type === 'turn.end') turnTimes.push(performance.now() - last)
  }
  await events.result
  const average = (from: number, to: number) => {
    const slice = turnTimes.slice(from, to)
    return slice.reduce((sum, time) => sum + time, 0) / slice.length
  }
  console.log(`one durable run of ${TURNS} turns (a tool call each) on SQLite, synchronous=NORMAL:`)
  console.log('  turn        time per turn (average of 10)   bytes per checkpoint (average of 10)')
  const perTurn = bytes.length / TURNS
  for (const turn of [1, 50, 100, 250, TURNS - 10].filter((value) => value > 0 && value < TURNS)) {
    const from = Math.max(0, turn - 1)
    const checkpoints = bytes.slice(Math.floor(from * perTurn), Math.floor((from + 10) * perTurn))
    console.log(
      `  ${String(turn).padStart(4)}        ${(average(from, from + 10) * 1000).toFixed(0).padStart(6)} us` +
        `                   ${(checkpoints.reduce((sum, size) => sum + size, 0) / checkpoints.length).toFixed(0).padStart(6)}`,
    )
  }
  const ratio = average(TURNS - 11, TURNS - 1) / average(0, 10)
  console.log(`  last 10 turns / first 10 turns: ${ratio.toFixed(2)}x (target <= 2x)`)
  console.log(
    `  bytes written in total: ${bytes.reduce((sum, size) => sum + size, 0)} in ${bytes.length} checkpoints (linear: first half ${bytes.slice(0, bytes.length / 2).reduce((s, v) => s + v, 0)}, second half ${bytes.slice(bytes.length / 2).reduce((s, v) => s + v, 0)})`,
  )
  await base.close()
  rmSync(dir, { recursive: true, force: true })
}
