import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteStorage } from 'agentloop/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { root } from './support/build.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-processes-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

function writer(path: string, name: string, blocks: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/sqlite-writer.ts', path, name, String(blocks)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('close', (code) =>
      code === 0 ? resolve(stdout.trim()) : reject(new Error(`${name} failed: ${stderr}`)),
    )
  })
}

describe('one SQLite file shared by several processes', () => {
  it('loses no appended message and lets exactly one process claim a run', async () => {
    const path = join(directory, 'shared.db')
    const setup = createSqliteStorage({ path })
    await setup.runs.save({
      runId: 'shared',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1 },
      expectedRevision: null,
    })
    await setup.close()

    const names = ['p1', 'p2', 'p3', 'p4']
    const outputs = await Promise.all(names.map((name) => writer(path, name, 15)))
    const claims = outputs.map((output) => JSON.parse(output) as { name: string; claim: string })
    expect(claims.filter((claim) => claim.claim === 'won')).toHaveLength(1)
    expect(claims.filter((claim) => claim.claim === 'StorageConflictError')).toHaveLength(names.length - 1)

    const storage = createSqliteStorage({ path })
    const messages = (await storage.sessions.messages('shared')).map((message) => message.content as string)
    expect(messages).toHaveLength(names.length * 15 * 2)
    for (const name of names) {
      for (let block = 0; block < 15; block++) {
        const at = messages.indexOf(`${name}-${block}-question`)
        expect(messages[at + 1]).toBe(`${name}-${block}-answer`)
      }
    }
    const winner = claims.find((claim) => claim.claim === 'won')?.name
    expect((await storage.runs.load('shared'))?.snapshot).toEqual({ version: 1, owner: winner })
    await storage.close()
  }, 60_000)
})
