import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    expect(external("await import('agentloop/file')")).toEqual([])
    expect(external("await import('agentloop/cache')")).toEqual([])
    expect(external("await import('agentloop/knowledge')")).toEqual([])
    expect(external("await import('agentloop/storage')")).toEqual([])
    expect(external("await import('agentloop/cli')")).toEqual([])
    expect(external("await import('agentloop/config')")).toEqual(['zod'])
    const { stdout } = runModule(`
      const { createMemoryStorage } = await import('agentloop')
      const storage = createMemoryStorage()
      await storage.runs.save({ runId: 'r', agentName: 'a', status: 'running', snapshot: { version: 1 } })
      console.log(JSON.stringify((await storage.runs.load('r')).snapshot))
    `)
    expect(JSON.parse(stdout)).toEqual({ version: 1 })
  })

  it('names the one npm install to run when an optional peer is missing, on import and for model references', () => {
    const withHidden = (hidden: string, code: string) => {
      const child = spawnSync(
        process.execPath,
        ['--import', './test/support/register-hide-packages.mjs', '--input-type=module', '-e', code],
        { cwd: root, encoding: 'utf8', env: { ...process.env, AGENTLOOP_HIDE_PACKAGES: hidden } },
      )
      expect(child.status, child.stderr).toBe(0)
      return child.stdout.trim()
    }
    const importError = (subpath: string) => `
      try { await import('${subpath}'); console.log('loaded') }
      catch (error) { console.log(error.name + ': ' + error.message) }`
    for (const [subpath, packageName] of [
      ['agentloop/sqlite', 'better-sqlite3'],
      ['agentloop/postgres', 'pg'],
      ['agentloop/redis', 'ioredis'],
      ['agentloop/openai', 'openai'],
      ['agentloop/anthropic', '@anthropic-ai/sdk'],
    ]) {
      expect(withHidden(packageName as string, importError(subpath as string))).toBe(
        `ConfigError: ${subpath} needs the optional package "${packageName}", which is not installed. Install it next to agentloop: npm install ${packageName}`,
      )
    }
    const cliError = withHidden(
      'commander',
      `const { runCli } = await import('agentloop/cli')
      try { await runCli(['--version'], {}) } catch (error) { console.log(error.name + ': ' + error.message) }`,
    )
    expect(cliError).toBe(
      'ConfigError: agentloop/cli needs the optional package "commander", which is not installed. Install it next to agentloop: npm install commander',
    )
    const referenceError = withHidden(
      '@anthropic-ai/sdk',
      `
      process.env.ANTHROPIC_API_KEY = 'sk-ant-test-0123456789'
      const { Agent, run } = await import('agentloop')
      const { ConfigError } = await import('agentloop')
      try { await run(new Agent({ name: 'a', model: 'anthropic:claude-haiku-4-5' }), 'hi') }
      catch (error) { console.log((error instanceof ConfigError) + ' ' + error.message) }`,
    )
    expect(referenceError).toBe(
      'true agentloop/anthropic needs the optional package "@anthropic-ai/sdk", which is not installed. Install it next to agentloop: npm install @anthropic-ai/sdk',
    )
  })

  it('loads @opentelemetry/api only at agentloop/otel, and traces to a TraceSink without it installed', () => {
    const { bareImports } = runModule("await import('agentloop/otel')")
    expect(
      bareImports.filter((specifier) => !specifier.startsWith('node:') && !specifier.startsWith('agentloop')),
    ).toEqual(['@opentelemetry/api'])
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        './test/support/register-hide-packages.mjs',
        '--input-type=module',
        '-e',
        `
        const { Agent, Runtime } = await import('agentloop')
        const { createTracing } = await import('agentloop/otel')
        const { scriptedModel } = await import('agentloop/testing')
        try { createTracing() } catch (error) { console.log(error.name + ': ' + error.message.split(':')[0]) }
        const names = []
        const tracing = createTracing({ openTelemetry: false, sinks: [{ trace: (event) => { if (event.type === 'span.end') names.push(event.name) } }] })
        await new Runtime({ observers: [tracing] }).run(new Agent({ name: 'a', model: scriptedModel([{ text: 'ok' }]) }), 'hi')
        console.log(names.join(','))`,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, AGENTLOOP_HIDE_PACKAGES: '@opentelemetry/api' } },
    )
    expect(child.status, child.stderr).toBe(0)
    expect(child.stdout.trim().split('\n')).toEqual([
      'ConfigError: createTracing(options) needs the optional package "@opentelemetry/api" (1.9.x, the line OpenTelemetry SDK 2 works with), which is not installed',
      'chat scripted-model,invoke_agent a',
    ])
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

  it('loads the sandbox by itself for code mode, from the built package', () => {
    const answer = '```js\nresult = { n: input.n + 1 }\n```'
    const { stdout, bareImports } = runModule(`
      const { llmFunction } = await import('agentloop/functions')
      const { scriptedModel } = await import('agentloop/testing')
      const next = llmFunction({
        name: 'next', instructions: 'Add one.', mode: 'code',
        input: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
        output: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
        model: scriptedModel([{ text: ${JSON.stringify(answer)} }]),
      })
      console.log(JSON.stringify(await next({ n: 41 })))
    `)
    expect(JSON.parse(stdout)).toEqual({ n: 42 })
    expect(bareImports).toContain('agentloop/sandbox')
  })

  it('runs a workerTool body in a worker thread from the built package', () => {
    const { stdout } = runModule(`
      const { writeFileSync, mkdtempSync } = await import('node:fs')
      const { join } = await import('node:path')
      const { tmpdir } = await import('node:os')
      const { Agent, run, workerTool } = await import('agentloop')
      const { scriptedModel } = await import('agentloop/testing')
      const directory = mkdtempSync(join(tmpdir(), 'agentloop-worker-tool-'))
      const module = join(directory, 'body.mjs')
      writeFileSync(module, "import { isMainThread } from 'node:worker_threads'; export default ({ a }) => ({ doubled: a * 2, isMainThread })")
      const double = workerTool({ name: 'double', description: 'Double', parameters: [{ name: 'a', type: 'number' }], module })
      const model = scriptedModel([{ toolCalls: [{ name: 'double', arguments: { a: 21 } }] }, { text: 'ok' }])
      await run(new Agent({ name: 'w', model, tools: [double] }), 'go')
      console.log(model.requests[1].messages.find((message) => message.role === 'tool').content)
    `)
    expect(JSON.parse(stdout)).toEqual({ doubled: 42, isMainThread: false })
  })

  it('loads hono, pino and rate-limiter-flexible only at agentloop/server, and serves from the built package', () => {
    const root = runModule("await import('agentloop')").bareImports
    for (const peer of ['hono', '@hono/node-server', '@hono/zod-openapi', 'pino', 'rate-limiter-flexible'])
      expect(root).not.toContain(peer)
    const { bareImports, stdout } = runModule(`
      const { Runtime } = await import('agentloop')
      const { createServer } = await import('agentloop/server')
      const server = createServer({ runtime: new Runtime(), apiKeys: ['package-test-key-0123456789'], logger: { level: 'silent' } })
      const listening = await server.listen(0)
      const live = await fetch(listening.url + '/health/live')
      const status = await fetch(listening.url + '/api/meta/rate-limit-status', { headers: { Authorization: 'Bearer package-test-key-0123456789' } })
      const script = await fetch(listening.url + '/playground/app.js')
      console.log(JSON.stringify([live.status, status.status, script.status, (await script.text()).length > 10000]))
      await listening.close()
    `)
    // the playground's files come from dist/playground (prebuilt), not from esbuild
    expect(JSON.parse(stdout)).toEqual([200, 200, 200, true])
    expect(bareImports).not.toContain('esbuild')
    const external = bareImports.filter(
      (specifier) => !specifier.startsWith('node:') && !specifier.startsWith('agentloop'),
    )
    for (const peer of ['hono', '@hono/node-server', '@hono/zod-openapi', 'pino', 'rate-limiter-flexible'])
      expect(
        external.some((specifier) => specifier === peer || specifier.startsWith(`${peer}/`)),
        peer,
      ).toBe(true)
  })

  it('mounts MCP in the server only with { mcp }, and names the package to install when it is missing', () => {
    const start = (mcp: string) => `
      const { Agent, Runtime } = await import('agentloop')
      const { scriptedModel } = await import('agentloop/testing')
      const { createServer } = await import('agentloop/server')
      const agent = new Agent({ name: 'a', model: scriptedModel([{ text: 'ok' }]) })
      const server = createServer({ runtime: new Runtime({ agents: [agent] }), apiKeys: ['package-test-key-0123456789'], logger: { level: 'silent' }${mcp} })
      try { const listening = await server.listen(0); console.log('listening'); await listening.close() }
      catch (error) { console.log(error.name + ': ' + error.message) }`
    const off = runModule(start(''))
    expect(off.stdout.trim()).toBe('listening')
    expect(off.bareImports.filter((specifier) => specifier.startsWith('@modelcontextprotocol/'))).toEqual([])
    const on = runModule(start(', mcp: true'))
    expect(on.stdout.trim()).toBe('listening')
    expect(on.bareImports).toContain('@modelcontextprotocol/server')
    const hidden = spawnSync(
      process.execPath,
      [
        '--import',
        './test/support/register-hide-packages.mjs',
        '--input-type=module',
        '-e',
        start(', mcp: true'),
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, AGENTLOOP_HIDE_PACKAGES: '@modelcontextprotocol/server' },
      },
    )
    expect(hidden.stdout.trim()).toBe(
      'ConfigError: agentloop/mcp needs the optional package "@modelcontextprotocol/server", which is not installed. Install it next to agentloop: npm install @modelcontextprotocol/server',
    )
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

  it('loads the MCP packages only at agentloop/mcp, and only the half a call needs', () => {
    const external = (code: string) =>
      runModule(code).bareImports.filter(
        (specifier) => !specifier.startsWith('node:') && !specifier.startsWith('agentloop'),
      )
    expect(runModule("await import('agentloop')").bareImports.join(' ')).not.toMatch(/modelcontextprotocol/)
    // importing the subpath loads neither package: each function loads its half when called
    expect(external("await import('agentloop/mcp')")).toEqual([])
    const server = external(`
      const { Agent, Runtime } = await import('agentloop')
      const { scriptedModel } = await import('agentloop/testing')
      const { createMcpHttpHandler } = await import('agentloop/mcp')
      const runtime = new Runtime({ agents: [new Agent({ name: 'a', model: scriptedModel([]) })] })
      await createMcpHttpHandler(runtime, { authenticate: () => ({ id: 'x' }) })
    `)
    expect(server).toContain('@modelcontextprotocol/server')
    expect(server).not.toContain('@modelcontextprotocol/client')
    const client = external(`
      const { connectMcpServer } = await import('agentloop/mcp')
      await connectMcpServer({ name: 'x', url: 'http://127.0.0.1:9/mcp', connectTimeoutMs: 2000 }).catch(() => {})
    `)
    expect(client).toContain('@modelcontextprotocol/client')
    expect(client).not.toContain('@modelcontextprotocol/server')
    const hidden = spawnSync(
      process.execPath,
      [
        '--import',
        './test/support/register-hide-packages.mjs',
        '--input-type=module',
        '-e',
        `const { connectMcpServer } = await import('agentloop/mcp')
        try { await connectMcpServer({ name: 'x', url: 'http://127.0.0.1:9/mcp' }) } catch (error) { console.log(error.message) }`,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, AGENTLOOP_HIDE_PACKAGES: '@modelcontextprotocol/client' },
      },
    )
    expect(hidden.stdout.trim()).toBe(
      'agentloop/mcp needs the optional package "@modelcontextprotocol/client", which is not installed. Install it next to agentloop: npm install @modelcontextprotocol/client',
    )
  })

  it('ships ESM with type declarations, requires Node 20 or later, has zod 4 as its one required peer and jsep as its one dependency', () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    expect(manifest.type).toBe('module')
    expect(manifest.engines.node).toBe('>=20')
    // zod is a peer, as in the AI SDK and the OpenAI Agents SDK, so users never get two copies of it.
    expect(Object.keys(manifest.dependencies)).toEqual(['jsep'])
    expect(manifest.peerDependencies.zod).toBe('^4.0.0')
    expect(manifest.peerDependenciesMeta.zod).toBeUndefined()
    expect(manifest.devDependencies.zod).toBeDefined()
    expect(readFileSync(`${root}/dist/index.d.ts`, 'utf8')).toContain('Agent')
    expect(readFileSync(`${root}/dist/testing/index.d.ts`, 'utf8')).toContain('scriptedModel')
    for (const peer of [
      'openai',
      '@anthropic-ai/sdk',
      '@ai-sdk/provider',
      '@modelcontextprotocol/client',
      '@modelcontextprotocol/server',
    ]) {
      expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true })
      expect(manifest.devDependencies[peer]).toBeDefined()
    }
    for (const subpath of [
      './openai',
      './anthropic',
      './ai-sdk',
      './workflows',
      './server',
      './mcp',
      './cli',
    ])
      expect(manifest.exports[subpath]).toBeDefined()
  })

  it('runs the agentloop bin from the built package (package.json "bin")', () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    const bin = join(root, manifest.bin.agentloop)
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
    const version = spawnSync(process.execPath, [bin, '--version'], { cwd: root, encoding: 'utf8' })
    expect(version.status, version.stderr).toBe(0)
    expect(version.stdout.trim()).toBe(manifest.version)
    // Node 20 cannot load a TypeScript config by itself: the built command loads it through tsx.
    const project = mkdtempSync(join(tmpdir(), 'agentloop-bin-'))
    writeFileSync(
      join(project, 'agentloop.config.ts'),
      'const agents: unknown[] = []\nexport default { agents } satisfies Record<string, unknown>\n',
    )
    const listed = spawnSync(process.execPath, [bin, '--json', 'runs', 'list'], {
      cwd: project,
      encoding: 'utf8',
    })
    expect(listed.status, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout)).toEqual({ runs: [], nextCursor: null })
    const usage = spawnSync(process.execPath, [bin, 'runs', 'lsit'], { cwd: root, encoding: 'utf8' })
    expect(usage.status).toBe(2)
    expect(usage.stderr).toContain("unknown command 'lsit'")
  })

  it('has a lock file in step with package.json, and CI installs with npm ci alone', () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    const lock = JSON.parse(readFileSync(`${root}/package-lock.json`, 'utf8'))
    const locked = lock.packages['']
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])
      expect(locked[field], field).toEqual(manifest[field])
    // Biome's binaries for other platforms are recorded, so npm ci accepts the lock file anywhere.
    expect(
      Object.keys(lock.packages).filter((path) => path.startsWith('node_modules/@biomejs/cli-')).length,
    ).toBeGreaterThan(4)
    const ci = readFileSync(`${root}/.ci/run`, 'utf8')
    expect(ci).toMatch(/^npm ci\b/m)
    expect(ci).not.toMatch(/^\s*(npm install|npm i )/m)
  })

  it('packs a tarball with a license, registry metadata, no source maps, and links that work on the registry page', () => {
    const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    expect(manifest.license).toBe('MIT')
    expect(manifest.repository.url).toBe('git+https://github.com/agentloop/agentloop.git')
    expect(manifest.homepage).toMatch(/^https:\/\/github.com\/agentloop\/agentloop/)
    expect(manifest.bugs.url).toBe('https://github.com/agentloop/agentloop/issues')
    expect(manifest.keywords.length).toBeGreaterThan(3)
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(pack.status).toBe(0)
    const files: string[] = JSON.parse(pack.stdout)[0].files.map((file: { path: string }) => file.path)
    expect(files).toContain('LICENSE')
    expect(files).toContain('README.md')
    expect(files).toContain('dist/index.js')
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([])
    expect(files.filter((file) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(file))).toEqual([])
    expect(readFileSync(`${root}/LICENSE`, 'utf8')).toMatch(/^MIT License/)
    // The registry renders the README without the repository around it: relative links would break.
    const links = [...readFileSync(`${root}/README.md`, 'utf8').matchAll(/\]\(([^)]+)\)/g)].map(
      (match) => match[1],
    )
    expect(links.length).toBeGreaterThan(5)
    expect(links.filter((link) => !link?.startsWith('https://') && !link?.startsWith('#'))).toEqual([])
  })
})
