import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { build, root } from './support/build.js'

/** Runs ES module code in a fresh Node process that reports every bare import it resolves. */
function runModule(code: string): { stdout: string; bareImports: string[] } {
  const child = spawnSync(
    process.execPath,
    ['--import', './test/support/register-import-recorder.mjs', '--input-type=module', '-e', code],
    { cwd: root, encoding: 'utf8' },
  )
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`)
  const bareImports = child.stderr
    .split('\n')
    .filter((line) => line.startsWith('resolved-bare:'))
    .map((line) => line.slice('resolved-bare:'.length))
  return { stdout: child.stdout, bareImports: [...new Set(bareImports)] }
}

// End-to-end checks of the built package, as a user installs it.
describe('the built package', () => {
  beforeAll(() => build(), 120_000)

  it('loads no optional peer, no driver and not even zod when importing agentloop', () => {
    const { bareImports } = runModule("await import('agentloop')")
    expect(bareImports.filter((specifier) => !specifier.startsWith('node:'))).toEqual(['agentloop'])
  })

  it('loads zod on demand, when a conversation must be validated', () => {
    const { bareImports, stdout } = runModule(`
      const { Agent, run } = await import('agentloop')
      const { scriptedModel } = await import('agentloop/testing')
      const agent = new Agent({ name: 'a', model: scriptedModel([{ text: 'ok' }]) })
      const result = await run(agent, [{ role: 'user', content: 'hi' }])
      console.log(result.output)
    `)
    expect(stdout.trim()).toBe('ok')
    expect(bareImports).toContain('zod')
  })

  it('exposes the root and ./testing entry points with their documented names', () => {
    const { stdout } = runModule(`
      const core = await import('agentloop')
      const testing = await import('agentloop/testing')
      const names = ['Agent', 'tool', 'run', 'stream', 'Runtime', 'AgentLoopError', 'MaxTurnsExceededError',
        'ContextBudgetError', 'ToolError', 'ModelError', 'RunCancelledError', 'RunTimeoutError',
        'ValidationFailedError', 'MaxRetriesExceededError', 'SandboxError', 'ConfigError']
      console.log(JSON.stringify({ missing: names.filter((name) => !(name in core)), scripted: typeof testing.scriptedModel }))
    `)
    expect(JSON.parse(stdout)).toEqual({ missing: [], scripted: 'function' })
  })

  it('loads each storage driver only at its own subpath, and agentloop/testing loads no vitest', () => {
    const external = (code: string) =>
      runModule(code).bareImports.filter(
        (specifier) => !specifier.startsWith('node:') && !specifier.startsWith('agentloop'),
      )
    expect(external("await import('agentloop/sqlite')")).toEqual(['better-sqlite3'])
    expect(external("await import('agentloop/postgres')")).toEqual(['pg'])
    expect(external("await import('agentloop/redis')")).toEqual(['ioredis'])
    expect(external("await import('agentloop/testing')")).toEqual([])
    const { stdout } = runModule(`
      const { createMemoryStorage } = await import('agentloop')
      const storage = createMemoryStorage()
      await storage.runs.save({ runId: 'r', agentName: 'a', status: 'running', snapshot: { version: 1 } })
      console.log(JSON.stringify((await storage.runs.load('r')).snapshot))
    `)
    expect(JSON.parse(stdout)).toEqual({ version: 1 })
  })

  it('loads each provider SDK only at its own subpath', () => {
    const openaiImports = runModule("await import('agentloop/openai')").bareImports
    expect(openaiImports).toContain('openai')
    expect(openaiImports).not.toContain('@anthropic-ai/sdk')
    const anthropicImports = runModule("await import('agentloop/anthropic')").bareImports
    expect(anthropicImports).toContain('@anthropic-ai/sdk')
    expect(anthropicImports).not.toContain('openai')
    // The AI SDK adapter needs only types from @ai-sdk/provider: nothing is loaded at run time.
    const aiSdkImports = runModule("await import('agentloop/ai-sdk')").bareImports
    expect(
      aiSdkImports.filter(
        (specifier) => !specifier.startsWith('node:') && !specifier.startsWith('agentloop'),
      ),
    ).toEqual([])
  })

  it('resolves a model reference by loading the provider subpath on demand', () => {
    const { stdout, bareImports } = runModule(`
      process.env.OPENAI_API_KEY = 'sk-test-0123456789'
      const { createModelRegistry } = await import('agentloop')
      const model = await createModelRegistry().resolve('openai-chat:gpt-4o')
      console.log(model.provider + ' ' + model.modelId + ' ' + model.capabilities.contextWindow)
    `)
    expect(stdout.trim()).toBe('openai gpt-4o 128000')
    expect(bareImports).toContain('agentloop/openai')
    expect(bareImports).toContain('openai')
  })

  it('runs sandboxed code from the built package; QuickJS loads only inside the worker', () => {
    const { stdout, bareImports } = runModule(`
      const { runInSandbox } = await import('agentloop/sandbox')
      console.log(JSON.stringify(await runInSandbox('result = input * 2', { input: 21 })))
    `)
    expect(stdout.trim()).toBe('42')
    expect(bareImports).not.toContain('quickjs-emscripten')
  })

  it('loads neither QuickJS nor zod when importing agentloop/functions', () => {
    const { bareImports } = runModule("await import('agentloop/functions')")
    expect(bareImports.filter((specifier) => !specifier.startsWith('node:'))).toEqual(['agentloop/functions'])
  })

  it('runs an LLM function in code mode from the built package', () => {
    const answer = '```js\nresult = { n: input.n * 2 }\n```'
    const { stdout } = runModule(`
      const { llmFunction } = await import('agentloop/functions')
      const { runInSandbox } = await import('agentloop/sandbox')
      const { scriptedModel } = await import('agentloop/testing')
      const double = llmFunction({
        name: 'double', instructions: 'Double n.', mode: 'code', sandbox: runInSandbox,
        input: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
        output: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
        model: scriptedModel([{ text: ${JSON.stringify(answer)} }]),
      })
      console.log(JSON.stringify(await double({ n: 21 })))
    `)
    expect(JSON.parse(stdout)).toEqual({ n: 42 })
  })

  it('loads jsep only at agentloop/workflows, and runs a workflow from the built package', () => {
    expect(runModule("await import('agentloop')").bareImports).not.toContain('jsep')
    const { bareImports, stdout } = runModule(`
      const { bindWorkflow, workflow } = await import('agentloop/workflows')
      const definition = workflow('w')
        .node('start', { type: 'start' })
        .node('check', { type: 'condition', expression: 'n > 1' })
        .node('end', { type: 'end', output: '\${n * 2}' })
        .edge('start', 'check').edge('check', 'end', { when: 'true' })
        .build()
      console.log(JSON.stringify((await bindWorkflow(definition).run({ n: 21 })).output))
    `)
    expect(stdout.trim()).toBe('42')
    expect(
      bareImports
        .filter((specifier) => !specifier.startsWith('node:') && !specifier.startsWith('agentloop'))
        .sort(),
    ).toEqual(['jsep', 'zod'])
  })

  it('ships ESM with type declarations, requires Node 20 or later, and depends only on zod and jsep', () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    expect(manifest.type).toBe('module')
    expect(manifest.engines.node).toBe('>=20')
    expect(Object.keys(manifest.dependencies)).toEqual(['jsep', 'zod'])
    expect(readFileSync(`${root}/dist/index.d.ts`, 'utf8')).toContain('Agent')
    expect(readFileSync(`${root}/dist/testing/index.d.ts`, 'utf8')).toContain('scriptedModel')
    for (const peer of ['openai', '@anthropic-ai/sdk', '@ai-sdk/provider']) {
      expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true })
      expect(manifest.devDependencies[peer]).toBeDefined()
    }
    for (const subpath of ['./openai', './anthropic', './ai-sdk', './workflows'])
      expect(manifest.exports[subpath]).toBeDefined()
  })
})
