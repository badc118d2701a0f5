import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { JsonValue } from '../util/json.js'
import { bindWorkflow } from './bind-workflow.js'
import type { WorkflowResult } from './execute-workflow.js'
import type { NodeHandler } from './node-handler.js'
import { parseWorkflowDefinition } from './parse-workflow-definition.js'
import type { NodeSpec, WorkflowDefinition, WorkflowEdge, WorkflowNode } from './workflow-definition.js'
import { WorkflowDefinitionError } from './workflow-errors.js'

// Random workflows are built from structured steps, so that they are valid by construction:
// sequences, exclusive branches, parallel branches with a join, human input and bounded loops.
type Step =
  | { kind: 'task' }
  | { kind: 'human' }
  | { kind: 'loop'; times: number }
  | { kind: 'branch'; branches: Step[][] }
  | { kind: 'parallel'; branches: Step[][]; wait: 'all' | 'any' | number }

const steps: fc.Arbitrary<Step[]> = fc.letrec<{ block: Step[]; step: Step }>((tie) => ({
  block: fc.array(tie('step'), { minLength: 1, maxLength: 3 }),
  step: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ kind: 'task' as const }),
    fc.constant({ kind: 'human' as const }),
    fc.integer({ min: 1, max: 3 }).map((times) => ({ kind: 'loop' as const, times })),
    fc
      .array(tie('block'), { minLength: 2, maxLength: 3 })
      .map((branches) => ({ kind: 'branch' as const, branches })),
    fc
      .tuple(
        fc.array(tie('block'), { minLength: 2, maxLength: 3 }),
        fc.constantFrom<'all' | 'any' | number>('all', 'any', 1, 2),
      )
      .map(([branches, wait]) => ({
        kind: 'parallel' as const,
        branches,
        wait: typeof wait === 'number' ? Math.min(wait, branches.length) : wait,
      })),
  ),
})).block

type Pred = { from: string; when?: string }

function toDefinition(block: Step[]): WorkflowDefinition {
  const nodes: WorkflowNode[] = [{ id: 'start', type: 'start' }]
  const edges: WorkflowEdge[] = []
  let counter = 0
  const add = (prefix: string, node: NodeSpec, preds: Pred[]): string => {
    const id = `${prefix}${counter++}`
    nodes.push({ ...node, id } as WorkflowNode)
    for (const pred of preds)
      edges.push(
        pred.when === undefined ? { from: pred.from, to: id } : { from: pred.from, to: id, when: pred.when },
      )
    return id
  }
  const compile = (items: Step[], preds: Pred[]): Pred[] => {
    let current = preds
    for (const step of items) {
      switch (step.kind) {
        case 'task':
          current = [{ from: add('t', { type: 'handler', handler: 'echo', config: '${seed}' }, current) }]
          break
        case 'human':
          current = [{ from: add('h', { type: 'human', prompt: 'Answer ${seed}' }, current) }]
          break
        case 'loop': {
          const body = add('l', { type: 'handler', handler: 'echo', config: 'PLACEHOLDER' }, current)
          const node = nodes.at(-1) as { config: string }
          node.config = `\${(${body}.output ?? 0) + 1}`
          const check = add('c', { type: 'condition', expression: `${body}.output < ${step.times}` }, [
            { from: body },
          ])
          edges.push({ from: check, to: body, when: 'true' })
          current = [{ from: check, when: 'false' }]
          break
        }
        case 'branch': {
          const choose = add(
            'b',
            { type: 'condition', expression: `seed % ${step.branches.length}` },
            current,
          )
          current = step.branches.flatMap((branch, index) =>
            compile(branch, [
              index === step.branches.length - 1 ? { from: choose } : { from: choose, when: String(index) },
            ]),
          )
          break
        }
        case 'parallel': {
          const split = add('p', { type: 'parallel' }, current)
          const ends = step.branches.map((branch) => ({
            from: add(
              'm',
              { type: 'handler', handler: 'echo', config: 'merged' },
              compile(branch, [{ from: split }]),
            ),
          }))
          current = [{ from: add('j', { type: 'join', wait: step.wait }, ends) }]
          break
        }
      }
    }
    return current
  }
  const exits = compile(block, [{ from: 'start' }])
  add('end', { type: 'end', output: '${seed}' }, exits)
  return { version: 1, name: 'random', nodes, edges }
}

const echo: NodeHandler = { name: 'echo', idempotent: true, execute: (node) => node.config }

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: a deadlock?`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

describe('random workflows', () => {
  it('valid graphs run to completion or pause, and complete once every pause is answered', async () => {
    await fc.assert(
      fc.asyncProperty(steps, fc.nat(100), async (block, seed) => {
        const definition = parseWorkflowDefinition(toDefinition(block))
        const bound = bindWorkflow(definition, { handlers: [echo] })
        let result: WorkflowResult = await within(bound.run({ seed }), 2000)
        for (let round = 0; result.status === 'awaiting_input'; round++) {
          expect(round).toBeLessThan(50)
          expect(result.waiting.length).toBeGreaterThan(0)
          const inputs: Record<string, JsonValue> = Object.fromEntries(
            result.waiting.map((waiting) => [waiting.nodeId, 'yes']),
          )
          result = await within(bound.resume(JSON.parse(JSON.stringify(result.state)), { inputs }), 2000)
        }
        expect(result.status).toBe('completed')
        expect(result.output).toBe(seed)
      }),
      { numRuns: 150 },
    )
  })

  it('invalid graphs are rejected with the offending node named', () => {
    type Mutation = (definition: WorkflowDefinition) => string
    const mutations: Mutation[] = [
      (definition) => {
        definition.edges.push({ from: 'start', to: 'ghost' })
        return 'ghost'
      },
      (definition) => {
        const copy = definition.nodes.find((node) => node.type !== 'start') as WorkflowNode
        definition.nodes.push({ ...copy })
        return copy.id
      },
      (definition) => {
        definition.nodes.push({ id: 'island', type: 'handler', handler: 'echo' })
        return 'island'
      },
      (definition) => {
        const from = (definition.nodes.find((node) => node.type === 'handler') ??
          definition.nodes[0]) as WorkflowNode
        definition.nodes.push({ id: 'dead_end', type: 'handler', handler: 'echo' })
        definition.edges.push({ from: from.id, to: 'dead_end', when: 'seed > 1000' })
        return 'dead_end'
      },
      (definition) => {
        const node = definition.nodes.find(
          (candidate) => candidate.type !== 'start' && candidate.type !== 'end',
        ) as WorkflowNode
        Object.assign(node, { type: 'condition', expression: 'seed >' })
        for (const key of ['handler', 'config', 'prompt', 'wait'])
          delete (node as unknown as Record<string, unknown>)[key]
        return node.id
      },
    ]
    fc.assert(
      fc.property(steps, fc.nat(mutations.length - 1), (block, which) => {
        const definition = toDefinition(block)
        const offending = (mutations[which] as Mutation)(definition)
        let error: unknown
        try {
          bindWorkflow(parseWorkflowDefinition(definition), { handlers: [echo] })
        } catch (caught) {
          error = caught
        }
        expect(error).toBeInstanceOf(WorkflowDefinitionError)
        expect((error as WorkflowDefinitionError).nodeId, (error as Error).message).toBe(offending)
        expect((error as Error).message).toContain(`"${offending}"`)
      }),
      { numRuns: 150 },
    )
    // A handler that is not registered is found when binding.
    const definition = parseWorkflowDefinition(toDefinition([{ kind: 'task' }]))
    expect(() => bindWorkflow(definition)).toThrow(/node "t0" uses handler "echo", which is not registered/)
  })
})
