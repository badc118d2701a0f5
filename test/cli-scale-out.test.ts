import { type ChildProcess, spawn } from 'node:child_process'
import { describe, expect, it, vi } from 'vitest'
import { cli, cliCommand, cliEnv, fixtureConfig, tempDir } from './support/cli.js'
import { DATABASE_URL, REDIS_URL, serviceSkipReason } from './support/services.js'

// The scaled-out setup of docs/deploy.md, as processes: `agentloop serve` and `agentloop worker`
// sharing PostgreSQL and Redis. A run submitted over HTTP to the server is executed by the worker.
// Runs when PostgreSQL and Redis are reachable (always with CI=true); skipped with a message otherwise.

vi.setConfig({ testTimeout: 240_000 })
const skip = (await serviceSkipReason('PostgreSQL')) ?? (await serviceSkipReason('Redis'))
const prefix = `cli_${process.pid}_${Date.now()}`
const env = { DATABASE_URL, REDIS_URL, AGENTLOOP_PREFIX: prefix }

/** Starts a long-running command and resolves once its stderr shows `ready`. */
function start(
  args: string[],
  cwd: string,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray; stderr: () => string }> {
  const { command, args: argv } = cliCommand(args)
  const child = spawn(command, argv, { cwd, env: cliEnv({ ...env, PORT: '0' }) })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  return new Promise((resolve, reject) => {
    child.on('close', (code) => reject(new Error(`agentloop ${args.join(' ')} exited ${code}: ${stderr}`)))
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk
      const match = ready.exec(stderr)
      if (match !== null) resolve({ child, match, stderr: () => stderr })
    })
  })
}

function stop(child: ChildProcess): Promise<number | null> {
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  child.kill('SIGTERM')
  return closed
}

describe.skipIf(skip !== undefined)('agentloop serve + agentloop worker on PostgreSQL and Redis', () => {
  it('a run submitted to the server is executed by the worker process; both stop cleanly on SIGTERM', async () => {
    const cwd = tempDir()
    const config = ['--config', fixtureConfig]
    expect((await cli([...config, 'migrate'], { cwd, env })).code).toBe(0)
    const key = JSON.parse((await cli(['--json', ...config, 'keys', 'create'], { cwd, env })).stdout)
      .key as string
    const server = await start(
      [...config, 'serve'],
      cwd,
      /agentloop listening on (http:\/\/127\.0\.0\.1:\d+)/,
    )
    const worker = await start([...config, 'worker'], cwd, /agentloop worker started/)
    try {
      const url = server.match[1] as string
      const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }
      const submitted = await fetch(`${url}/api/runs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ agent: 'echo', input: 'scaled out' }),
      })
      expect(submitted.status).toBe(202)
      const { runId } = (await submitted.json()) as { runId: string }
      let run: { status: string; output?: unknown } = { status: 'queued' }
      for (
        let attempt = 0;
        attempt < 300 && (run.status === 'queued' || run.status === 'running');
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        run = (await (await fetch(`${url}/api/runs/${runId}`, { headers })).json()) as typeof run
      }
      expect(run).toMatchObject({ status: 'completed', output: 'echo: scaled out' })
      // The server never executes runs when the queue is shared: the worker did.
      const shown = await cli(['--json', ...config, 'runs', 'show', runId, '--events'], { cwd, env })
      expect(JSON.parse(shown.stdout)).toMatchObject({
        runId,
        status: 'completed',
        output: 'echo: scaled out',
      })
      // An agent stored as data on the server runs on the worker too (the worker finds it in storage).
      // Server records are not under AGENTLOOP_PREFIX: a name of its own for each test run.
      const storedName = `stored-echo-${Date.now()}`
      const created = await fetch(`${url}/api/agents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: storedName, instructions: 'Repeat.', model: 'fixture:echo' }),
      })
      expect(created.status, await created.clone().text()).toBe(201)
      const storedRun = (await (
        await fetch(`${url}/api/runs`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ agent: storedName, input: 'from storage' }),
        })
      ).json()) as { runId: string }
      let stored: { status: string; output?: unknown; error?: unknown } = { status: 'queued' }
      for (
        let attempt = 0;
        attempt < 300 && (stored.status === 'queued' || stored.status === 'running');
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        stored = (await (
          await fetch(`${url}/api/runs/${storedRun.runId}`, { headers })
        ).json()) as typeof stored
      }
      expect(stored).toMatchObject({ status: 'completed', output: 'echo: from storage' })
      const health = (await (await fetch(`${url}/health/ready`)).json()) as { storage: string }
      expect(health.storage).toBe('postgres')
    } finally {
      expect(await stop(worker.child)).toBe(0)
      expect(await stop(server.child)).toBe(0)
    }
    expect(worker.stderr()).toContain('stopping')
  })
})
