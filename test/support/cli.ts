import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { root } from './build.js'

/** The config module of the command-line tests. */
export const fixtureConfig = join(root, 'test/__fixtures__/cli/agentloop.config.ts')

/** What one run of the command printed and how it exited. */
export interface CliOutcome {
  code: number | null
  stdout: string
  stderr: string
}

/** A fresh working directory (its SQLite file lives in `.agentloop/`). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'agentloop-cli-'))
}

/** The command `agentloop` from source, as a child process under tsx. */
export function cliCommand(args: readonly string[]): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [
      '--import',
      pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
      join(root, 'src/cli/main.ts'),
      ...args,
    ],
  }
}

/** Environment of the child: tsx finds the repository's tsconfig (for `agentloop` paths) wherever it runs. */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'),
    NO_COLOR: '1',
  }
  for (const name of Object.keys(base)) if (name.startsWith('AGENTLOOP_')) delete base[name]
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'HOST']) delete base[name]
  return { ...base, ...env }
}

/** Runs `agentloop args...` in `cwd` and resolves what it printed. */
export function cli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined>; stdin?: string },
): Promise<CliOutcome> {
  const { command, args: argv } = cliCommand(args)
  const child = spawn(command, argv, { cwd: options.cwd, env: cliEnv(options.env) })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin.end(options.stdin ?? '')
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
