import { spawn } from 'node:child_process'

/** Runs `node script ...args` in `cwd` and resolves with the signal that ended it and its stderr. */
export function runChild(
  script: string,
  args: string[],
  cwd: string,
): Promise<{ signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const running = spawn(process.execPath, [script, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stderr = ''
    running.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    running.on('error', reject)
    running.on('close', (_code, signal) => resolve({ signal, stderr }))
  })
}
