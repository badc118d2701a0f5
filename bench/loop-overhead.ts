/**
 * The agent loop's own cost. Workload: an agent with 2 tools whose scripted model makes 3 model
 * calls and 2 tool calls per run. The same work is done by a hand-written minimal loop (same
 * model, same tools, same process); the difference is agentloop's overhead.
 *
 * Run: npm run bench   (builds dist/ first; needs node --expose-gc, which the script passes)
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Agent, type Message, type ModelRequest, type ModelTool, run } from 'agentloop'
import { add, lookupTool, model } from './loop-workload.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('Run the benchmark with node --expose-gc (npm run bench does).')

let gate: Promise<void> = Promise.resolve()
const lookup = lookupTool(() => gate)

const agent = new Agent({ name: 'bench', instructions: 'Use tools.', model, tools: [lookup, add] })

function agentloopRun(): Promise<unknown> {
  return run(agent, 'Go')
}

const modelTools: ModelTool[] = [lookup, add].map((entry) => ({
  name: entry.name,
  description: entry.description,
  parameters: entry.parameters,
  strict: entry.strict,
}))

/** The minimal loop a developer would write by hand against the same model and tools. */
async function handWrittenRun(): Promise<unknown> {
  const messages: Message[] = [{ role: 'user', content: 'Go' }]
  for (let turn = 0; turn < 10; turn++) {
    const request: ModelRequest = {
      instructions: 'Use tools.',
      messages,
      tools: modelTools,
      toolChoice: 'auto',
    }
    let text = ''
    const calls = new Map<string, { name: string; args: string }>()
    for await (const part of model.stream(request)) {
      if (part.type === 'text.delta') text += part.delta
      else if (part.type === 'tool.call.start') calls.set(part.callId, { name: part.name, args: '' })
      else if (part.type === 'tool.call.delta') {
        const call = calls.get(part.callId)
        if (call) call.args += part.delta
      }
    }
    if (calls.size === 0) return text
    messages.push({
      role: 'assistant',
      content: [...calls].map(([callId, call]) => ({
        type: 'tool-call',
        callId,
        name: call.name,
        arguments: call.args,
      })),
    })
    for (const [callId, call] of calls) {
      const args = JSON.parse(call.args)
      const output =
        call.name === 'lookup'
          ? await lookup.execute(args, undefined as never)
          : add.execute(args, undefined as never)
      messages.push({ role: 'tool', callId, toolName: call.name, content: String(output) })
    }
  }
  throw new Error('too many turns')
}

async function timeSequential(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const start = performance.now()
  for (let index = 0; index < runs; index++) await fn()
  return performance.now() - start
}

async function timeConcurrent(
  fn: () => Promise<unknown>,
  runs: number,
  concurrency: number,
): Promise<number> {
  const start = performance.now()
  for (let done = 0; done < runs; done += concurrency)
    await Promise.all(Array.from({ length: concurrency }, fn))
  return performance.now() - start
}

/** Heap per in-flight run: start `count` runs, hold them all inside the lookup tool, measure. */
async function heapPerRun(fn: () => Promise<unknown>, count: number): Promise<number> {
  let release = () => {}
  gate = new Promise<void>((resolve) => {
    release = resolve
  })
  await new Promise((resolve) => setTimeout(resolve, 10))
  gc?.()
  gc?.()
  const before = process.memoryUsage().heapUsed
  const runs = Array.from({ length: count }, fn)
  await new Promise((resolve) => setTimeout(resolve, 50))
  gc?.()
  gc?.()
  const during = process.memoryUsage().heapUsed
  release()
  await Promise.all(runs)
  gate = Promise.resolve()
  return (during - before) / count
}

function coldImportMs(samples: number): number[] {
  const times: number[] = []
  for (let index = 0; index < samples; index++) {
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const t = performance.now(); await import('agentloop'); process.stdout.write(String(performance.now() - t))",
      ],
      { cwd: root, encoding: 'utf8' },
    )
    times.push(Number(child.stdout))
  }
  return times.sort((a, b) => a - b)
}

const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? Number.NaN
const format = (value: number, digits = 1) => value.toFixed(digits)

async function main() {
  const runs = 20_000
  // warm up both paths
  await timeSequential(agentloopRun, 3_000)
  await timeSequential(handWrittenRun, 3_000)

  const rounds = 5
  const sequentialAgentloop: number[] = []
  const sequentialHand: number[] = []
  const concurrentAgentloop: number[] = []
  const concurrentHand: number[] = []
  for (let round = 0; round < rounds; round++) {
    sequentialAgentloop.push(await timeSequential(agentloopRun, runs))
    sequentialHand.push(await timeSequential(handWrittenRun, runs))
    concurrentAgentloop.push(await timeConcurrent(agentloopRun, runs, 100))
    concurrentHand.push(await timeConcurrent(handWrittenRun, runs, 100))
  }
  const perRunUs = (ms: number[]) => (median(ms) * 1000) / runs
  const agentloopUs = perRunUs(sequentialAgentloop)
  const handUs = perRunUs(sequentialHand)

  const heapAgentloop = median([
    await heapPerRun(agentloopRun, 2_000),
    await heapPerRun(agentloopRun, 2_000),
    await heapPerRun(agentloopRun, 2_000),
  ])
  const heapHand = median([
    await heapPerRun(handWrittenRun, 2_000),
    await heapPerRun(handWrittenRun, 2_000),
    await heapPerRun(handWrittenRun, 2_000),
  ])
  const imports = coldImportMs(9)

  console.log(`agentloop loop benchmark (node ${process.version}, ${runs} runs x ${rounds} rounds, median)`)
  console.log('workload: 2 tools, 3 model calls + 2 tool calls per run, stateless streaming model')
  console.log(
    `sequential      agentloop ${format(1e6 / agentloopUs, 0)} runs/s (${format(agentloopUs)} us/run) | hand-written ${format(1e6 / handUs, 0)} runs/s (${format(handUs)} us/run)`,
  )
  console.log(
    `100 concurrent  agentloop ${format(runs / (median(concurrentAgentloop) / 1000), 0)} runs/s | hand-written ${format(runs / (median(concurrentHand) / 1000), 0)} runs/s`,
  )
  console.log(
    `overhead        ${format(agentloopUs - handUs)} us per run over the hand-written loop (target <= 50 us)`,
  )
  console.log(
    `heap in flight  agentloop ${format(heapAgentloop / 1024, 2)} KB/run | hand-written ${format(heapHand / 1024, 2)} KB/run | difference ${format((heapAgentloop - heapHand) / 1024, 2)} KB (target <= 8 KB)`,
  )
  console.log(
    `cold import     agentloop (dist) median ${format(median(imports))} ms, min ${format(imports[0] ?? Number.NaN)} ms (target < 40 ms)`,
  )
}

await main()
