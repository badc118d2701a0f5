#!/usr/bin/env node
/**
 * The `agentloop` executable: runs the command line in this process, with Ctrl-C (SIGINT) and
 * SIGTERM asking the command to stop gracefully; a second signal exits at once.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors/errors.js'
import { importOptionalPeer } from '../errors/optional-peer.js'

function packageVersion(): string {
  try {
    // src/cli/main.ts and dist/cli/main.js both sit two folders under package.json.
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string
    }
    return manifest.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

const controller = new AbortController()
let signals = 0
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    signals++
    if (signals > 1) process.exit(130)
    controller.abort(new Error(`${name} received`))
  })
}

let runCli: typeof import('./program.js').runCli
try {
  ;({ runCli } = await importOptionalPeer(() => import('./program.js'), {
    packageName: 'commander',
    subpath: 'the agentloop command',
  }))
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`)
  process.exit(3)
}

const code = await runCli(
  process.argv.slice(2),
  {
    streams: { stdout: process.stdout, stderr: process.stderr },
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
  },
  packageVersion(),
)
process.exitCode = code
// Pools and timers of drivers must not keep a finished command alive.
setTimeout(() => process.exit(code), 1000).unref()
