import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

const runExample = (file: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' })

describe('examples/runnable-function.ts', () => {
  it('runs a plain async function as a runnable: step, events, a retry from the checkpoint, a cancellation', () => {
    const child = runExample('examples/runnable-function.ts')
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(child.stdout.trim().split('\n')).toEqual([
      '1 run.start',
      '2 step.start split',
      '3 step.end split',
      '4 custom progress {"step":"split","words":7}',
      // the outage: the retry starts again from the checkpoint, the saved step is skipped
      '5 run.start',
      '6 step.skip split',
      '7 custom progress {"step":"split","words":7}',
      '8 run.end completed',
      'output: {"words":7,"longest":"restarts","attempt":2}',
      'cancelled: true',
    ])
  }, 60_000)
})

describe('examples/runnable-ai-sdk.ts', () => {
  it("runs the AI SDK's generateText loop as a runnable: its steps as events, its conversation checkpointed", () => {
    const child = runExample('examples/runnable-ai-sdk.ts')
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(child.stdout.trim().split('\n')).toEqual([
      '1 run.start',
      '2 custom tool.call {"tool":"weather","input":{"city":"Lisbon"}}',
      '3 custom model.step {"finishReason":"tool-calls","text":""}',
      '4 custom model.step {"finishReason":"stop","text":"In Lisbon: {\\"city\\":\\"Lisbon\\",\\"sky\\":\\"sunny\\",\\"celsius\\":24}."}',
      '5 run.end',
      'output: In Lisbon: {"city":"Lisbon","sky":"sunny","celsius":24}.',
      'checkpointed messages: 4',
    ])
  }, 60_000)
})
