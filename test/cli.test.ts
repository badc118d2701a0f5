import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { cli, cliCommand, cliEnv, fixtureConfig, tempDir } from './support/cli.js'

// The `agentloop` command as users run it: a child process (from source, under tsx) in a fresh
// directory, with its SQLite file in .agentloop/. Each test asserts stdout (the result, pipeable),
// stderr (progress and errors) and the exit code (docs/cli.md).

const config = ['--config', fixtureConfig]
// Every command is a fresh Node process loading TypeScript through tsx: seconds each on a busy machine.
vi.setConfig({ testTimeout: 180_000 })
const parse = (text: string) => JSON.parse(text) as Record<string, unknown>

describe('agentloop run', () => {
  it('streams the answer to stdout alone; progress goes to stderr; exit 0', async () => {
    const cwd = tempDir()
    const { code, stdout, stderr } = await cli([...config, 'run', 'echo', 'hello there'], { cwd })
    expect(code).toBe(0)
    expect(stdout).toBe('echo: hello there\n')
    expect(stderr).toMatch(/▶ run [0-9a-f-]{36} · agent echo/)
    expect(stderr).toMatch(/■ completed/)
    expect(existsSync(join(cwd, 'agentloop.db'))).toBe(true)
  })

  it('--json prints one result object; "-" reads the input from stdin; --events prints JSON lines', async () => {
    const cwd = tempDir()
    const [json, events] = await Promise.all([
      cli(['--json', ...config, 'run', 'echo', '-'], { cwd, stdin: 'from stdin' }),
      cli([...config, 'run', 'echo', 'hi', '--events'], { cwd: tempDir() }),
    ])
    expect(json.code).toBe(0)
    expect(parse(json.stdout)).toMatchObject({ status: 'completed', output: 'echo: from stdin' })
    expect(parse(json.stdout).runId).toMatch(/^[0-9a-f-]{36}$/)
    const lines = events.stdout.trim().split('\n').map(parse)
    expect(lines[0]).toMatchObject({ type: 'run.start', seq: 1 })
    expect(lines.at(-1)).toMatchObject({ type: 'run.end', status: 'completed', output: 'echo: hi' })
  })

  it('a run that waits for approval exits 5 and names the calls to decide', async () => {
    const { code, stdout, stderr } = await cli(['--json', ...config, 'run', 'bank', 'pay 5'], {
      cwd: tempDir(),
    })
    expect(code).toBe(5)
    expect(parse(stdout)).toMatchObject({
      status: 'awaiting_approval',
      interruptions: [{ callId: 'call_1_0', toolName: 'transfer', arguments: { amount: 5 } }],
    })
    expect(stderr).toContain('agentloop runs approve')
  })

  it('an unknown agent exits 4 naming the registered ones', async () => {
    const { code, stdout, stderr } = await cli([...config, 'run', 'nobody', 'hi'], { cwd: tempDir() })
    expect(code).toBe(4)
    expect(stdout).toBe('')
    expect(stderr).toContain('No agent named "nobody". Registered agents: echo, bank, slow.')
  })

  it('Ctrl-C cancels the run, keeps it stored as cancelled, and exits 130', async () => {
    const cwd = tempDir()
    const { command, args } = cliCommand([...config, 'run', 'slow', 'take your time'])
    const child = spawn(command, args, { cwd, env: cliEnv() })
    let stderr = ''
    child.stderr.setEncoding('utf8')
    const started = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk
        if (stderr.includes('▶ run')) resolve()
      }),
    )
    await started
    child.kill('SIGINT')
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code).toBe(130)
    const runId = /▶ run ([0-9a-f-]{36})/.exec(stderr)?.[1]
    const shown = await cli(['--json', ...config, 'runs', 'show', runId as string], { cwd })
    expect(parse(shown.stdout)).toMatchObject({ runId, status: 'cancelled' })
  })
})

describe('agentloop runs', () => {
  it('list, show, approve, show again, resume: one stored run through its life', async () => {
    const cwd = tempDir()
    const started = parse((await cli(['--json', ...config, 'run', 'bank', 'pay'], { cwd })).stdout)
    const runId = started.runId as string

    const list = await cli(['--json', ...config, 'runs', 'list'], { cwd })
    expect(list.code).toBe(0)
    expect(parse(list.stdout)).toMatchObject({
      runs: [{ runId, agent: 'bank', status: 'awaiting_approval' }],
      nextCursor: null,
    })

    const show = await cli(['--json', ...config, 'runs', 'show', runId], { cwd })
    expect(parse(show.stdout)).toMatchObject({
      runId,
      status: 'awaiting_approval',
      pending: [{ callId: 'call_1_0', toolName: 'transfer', kind: 'approval' }],
    })

    const approved = await cli([...config, 'runs', 'approve', runId, 'call_1_0'], { cwd })
    expect(approved.code).toBe(0)
    expect(approved.stdout).toBe('done: moved 5\n')
    expect(approved.stderr).toContain('⚙ transfer({"amount":5})')

    const [shown, text, resumed] = await Promise.all([
      cli(['--json', ...config, 'runs', 'show', runId, '--events'], { cwd }),
      cli([...config, 'runs', 'list', '--status', 'completed'], { cwd }),
      cli(['--json', ...config, 'runs', 'resume', runId], { cwd }),
    ])
    const view = parse(shown.stdout)
    expect(view).toMatchObject({ status: 'completed', output: 'done: moved 5', pending: [] })
    expect((view.events as { type: string }[]).filter((event) => event.type === 'run.end')).toHaveLength(2)
    expect(text.stdout).toMatch(new RegExp(`^${runId}  completed`))
    expect(parse(resumed.stdout)).toMatchObject({ runId, status: 'completed', output: 'done: moved 5' })
  })

  it('approve --reject sends the rejection to the model; --all needs pending calls', async () => {
    const cwd = tempDir()
    const runId = parse((await cli(['--json', ...config, 'run', 'bank', 'pay'], { cwd })).stdout)
      .runId as string
    const rejected = await cli(
      ['--json', ...config, 'runs', 'approve', runId, '--all', '--reject', '-m', 'not today'],
      { cwd },
    )
    expect(rejected.code).toBe(0)
    expect(parse(rejected.stdout)).toMatchObject({ status: 'completed' })
    expect(parse(rejected.stdout).output).toContain('not today')
    const again = await cli([...config, 'runs', 'approve', runId, '--all'], { cwd })
    expect(again.code).toBe(3)
    expect(again.stderr).toContain(`Run "${runId}" (completed) waits on no tool call.`)
  })

  it('cancel ends a paused run in storage; cancelling it again says there is nothing to cancel', async () => {
    const cwd = tempDir()
    const runId = parse((await cli(['--json', ...config, 'run', 'bank', 'pay'], { cwd })).stdout)
      .runId as string
    const cancelled = await cli([...config, 'runs', 'cancel', runId], { cwd })
    expect(cancelled.code).toBe(0)
    expect(cancelled.stdout).toBe(`run ${runId} cancelled (it was awaiting_approval)\n`)
    const [shown, again] = await Promise.all([
      cli(['--json', ...config, 'runs', 'show', runId], { cwd }),
      cli(['--json', ...config, 'runs', 'cancel', runId], { cwd }),
    ])
    expect(parse(shown.stdout)).toMatchObject({ runId, status: 'cancelled', pending: [] })
    expect(parse(again.stdout)).toEqual({ runId, status: 'cancelled', before: 'cancelled' })
  })

  it('unknown runs exit 4; a bad --status exits 3; a bad --limit exits 2', async () => {
    const cwd = tempDir()
    const [show, cancel, status, limit] = await Promise.all([
      cli([...config, 'runs', 'show', 'no-such-run'], { cwd }),
      cli(['--json', ...config, 'runs', 'cancel', 'no-such-run'], { cwd }),
      cli([...config, 'runs', 'list', '--status', 'done'], { cwd }),
      cli([...config, 'runs', 'list', '--limit', 'ten'], { cwd }),
    ])
    expect(show.code, show.stderr).toBe(4)
    expect(show.stderr).toContain('No run "no-such-run"')
    expect(cancel.code, cancel.stdout + cancel.stderr).toBe(4)
    expect(parse(cancel.stdout)).toMatchObject({ error: { name: 'NotFoundError', exitCode: 4 } })
    expect(status.code).toBe(3)
    expect(status.stderr).toContain(
      '--status: unknown status "done". Use one of queued, running, completed, failed',
    )
    expect(limit.code).toBe(2)
    expect(limit.stderr).toContain('--limit must be a whole number from 1 to 1000; got "ten"')
  })
})

describe('agentloop: flags, config and storage', () => {
  it('bad flags, unknown commands and missing arguments exit 2 with the reason on stderr and nothing on stdout', async () => {
    const cwd = tempDir()
    const results = await Promise.all([
      cli(['--bogus'], { cwd }),
      cli(['runz'], { cwd }),
      cli(['run', 'echo'], { cwd }),
    ])
    expect(results.map((result) => result.code)).toEqual([2, 2, 2])
    expect(results.map((result) => result.stdout)).toEqual(['', '', ''])
    expect(results[0]?.stderr).toContain("unknown option '--bogus'")
    expect(results[1]?.stderr).toContain("unknown command 'runz'")
    expect(results[1]?.stderr).toContain('Did you mean one of run, runs?')
    expect(results[2]?.stderr).toContain("missing required argument 'input'")
  })

  it('worker without REDIS_URL exits 3 and says what it needs', async () => {
    const { code, stderr } = await cli(['worker'], { cwd: tempDir() })
    expect(code).toBe(3)
    expect(stderr).toContain(
      'agentloop worker takes runs from the queue shared with `agentloop serve`, which lives in Redis: set REDIS_URL',
    )
  })

  it('--help and --version print on stdout and exit 0', async () => {
    const cwd = tempDir()
    const [help, version] = await Promise.all([cli(['--help'], { cwd }), cli(['--version'], { cwd })])
    expect(help.code).toBe(0)
    for (const command of ['serve', 'worker', 'run', 'runs', 'keys', 'migrate', 'mcp'])
      expect(help.stdout).toContain(command)
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('a config module with a wrong field exits 3 naming the field and the fix', async () => {
    const cwd = tempDir()
    writeFileSync(join(cwd, 'agentloop.config.mjs'), 'export default { agent: [] }\n')
    const { code, stderr } = await cli(['runs', 'list'], { cwd })
    expect(code).toBe(3)
    expect(stderr).toContain('unknown option "agent". Did you mean "agents"?')
    expect(stderr).toContain('agentloop.config.mjs')
  })

  it('migrate creates the SQLite schema at --db; a DATABASE_URL it cannot use exits 3 without echoing it', async () => {
    const cwd = tempDir()
    const [migrated, bad] = await Promise.all([
      cli(['--json', 'migrate', '--db', 'data/app.db'], { cwd }),
      cli(['migrate'], { cwd, env: { DATABASE_URL: 'mysql://root:hunter2@db/app' } }),
    ])
    expect(migrated.code).toBe(0)
    expect(parse(migrated.stdout)).toMatchObject({
      storage: 'sqlite',
      where: join(cwd, 'data/app.db'),
      schemaVersion: expect.any(Number),
    })
    expect(existsSync(join(cwd, 'data/app.db'))).toBe(true)
    expect(bad.code).toBe(3)
    expect(bad.stderr).toContain('DATABASE_URL="mysql://root:***@db/app" is not a database agentloop knows')
    expect(bad.stderr).not.toContain('hunter2')
  })
})

describe('agentloop keys and serve', () => {
  it('keys create prints the key once; list never shows it; revoke stops it; unknown ids exit 4', async () => {
    const cwd = tempDir()
    const created = await cli(
      ['--json', 'keys', 'create', '--scope', 'read,run', '--name', 'laptop', '--owner', 'dana'],
      { cwd },
    )
    expect(created.code).toBe(0)
    const key = parse(created.stdout)
    expect(key).toMatchObject({ owner: 'dana', scopes: ['read', 'run'], name: 'laptop' })
    expect(key.key).toMatch(/^al_/)
    expect(created.stderr).toContain('This is the only time the key is shown')

    const plain = await cli(['keys', 'create'], { cwd })
    expect(plain.stdout.trim()).toMatch(/^al_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/)

    const listed = await cli(['--json', 'keys', 'list', '--owner', 'dana'], { cwd })
    expect(parse(listed.stdout)).toEqual({
      keys: [expect.objectContaining({ keyId: key.keyId, owner: 'dana', scopes: ['read', 'run'] })],
    })
    expect(listed.stdout).not.toContain(key.key as string)

    const [revoked, unknown, badScope] = await Promise.all([
      cli(['keys', 'revoke', key.keyId as string], { cwd }),
      cli(['keys', 'revoke', 'nokey'], { cwd }),
      cli(['keys', 'create', '--scope', 'root'], { cwd }),
    ])
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toBe(`revoked ${key.keyId}\n`)
    expect(unknown.code).toBe(4)
    expect(badScope.code).toBe(3)
    expect(badScope.stderr).toContain('--scope: unknown scope "root". Use read, run or admin')
    const text = await cli(['keys', 'list'], { cwd })
    expect(text.stdout).toMatch(new RegExp(`^${key.keyId}  dana .* revoked  laptop$`, 'm'))
  })

  it('serve listens on PORT (0: a free port), answers /health with its circuits, accepts keys made by `keys create`, and stops on SIGTERM', async () => {
    const cwd = tempDir()
    const key = parse((await cli(['--json', ...config, 'keys', 'create'], { cwd })).stdout).key as string
    const { command, args } = cliCommand([...config, 'serve'])
    const child = spawn(command, args, { cwd, env: cliEnv({ PORT: '0' }) })
    let stderr = ''
    child.stderr.setEncoding('utf8')
    const url = await new Promise<string>((resolve, reject) => {
      child.on('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)))
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk
        const match = /agentloop listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)
        if (match?.[1] !== undefined) resolve(match[1])
      })
    })
    try {
      expect((await fetch(`${url}/health/live`)).status).toBe(200)
      expect((await fetch(`${url}/health/ready`)).status).toBe(200)
      const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>
      expect(health).toMatchObject({ status: 'ok', storage: 'sqlite', circuits: [] })
      expect((await fetch(`${url}/api/agents`)).status).toBe(401)
      const agents = await fetch(`${url}/api/agents`, { headers: { Authorization: `Bearer ${key}` } })
      expect(agents.status).toBe(200)
      const names = ((await agents.json()) as { agents: { name: string }[] }).agents.map(
        (agent) => agent.name,
      )
      expect(names).toEqual(expect.arrayContaining(['echo', 'bank', 'slow']))
    } finally {
      child.kill('SIGTERM')
    }
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
    expect(stderr).toContain('shutting down')
  })
})

describe('agentloop usage', () => {
  it('reports the usage runs recorded, by model and day, with cost from the config prices', async () => {
    const cwd = tempDir()
    const runs = []
    for (const input of ['hi', 'a longer message to count more tokens'])
      runs.push(parse((await cli(['--json', ...config, 'run', 'echo', input], { cwd })).stdout))
    const usage = runs.map((run) => run.usage as { inputTokens: number; outputTokens: number })
    const [first, second] = usage as [(typeof usage)[0], (typeof usage)[0]]
    const firstRun = runs[0] as { runId: string }
    const input = first.inputTokens + second.inputTokens
    const output = first.outputTokens + second.outputTokens
    const report = await cli(['--json', ...config, 'usage', '--by', 'model'], { cwd })
    expect(report.code).toBe(0)
    const sums = {
      calls: 2,
      inputTokens: input,
      outputTokens: output,
      totalTokens: input + output,
      cost: (input * 1_000_000 + output * 2_000_000) / 1e6,
      unpricedCalls: 0,
    }
    expect(parse(report.stdout)).toMatchObject({
      groupBy: 'model',
      owner: null,
      totals: sums,
      groups: [{ key: 'scripted:echo', ...sums }],
    })
    const byRun = parse(
      (await cli(['--json', ...config, 'usage', '--by', 'run', '--run', firstRun.runId], { cwd })).stdout,
    )
    expect(byRun.groups).toEqual([
      expect.objectContaining({ key: firstRun.runId, inputTokens: first.inputTokens }),
    ])
    const text = await cli([...config, 'usage', '--by', 'day'], { cwd })
    expect(text.stdout).toMatch(/total\s+2\s+/)
    const empty = parse(
      (await cli(['--json', ...config, 'usage', '--from', '2000-01-01', '--to', '2000-01-02'], { cwd }))
        .stdout,
    )
    expect(empty.totals).toMatchObject({ calls: 0 })
    const bad = await cli([...config, 'usage', '--by', 'colour'], { cwd })
    expect(bad.code).toBe(3)
    expect(bad.stderr).toContain('--by: unknown grouping "colour"')
  })
})
