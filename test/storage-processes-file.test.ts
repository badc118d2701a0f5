import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileStorage } from 'agentloop/file'
import { afterAll, describe, expect, it } from 'vitest'
import { root } from './support/build.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-file-processes-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

function writer(dir: string, name: string, rounds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/file-writer.ts', dir, name, String(rounds)],
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

describe('one file store shared by several processes', () => {
  it('loses no append and no increment, and lets exactly one process claim a run', async () => {
    const dir = join(directory, 'shared')
    const setup = createFileStorage({ dir })
    await setup.runs.save({
      runId: 'shared',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1 },
      expectedRevision: null,
    })
    await setup.tasks.create({ id: 'counter', title: 'shared counter' })
    await setup.close()

    const names = ['p1', 'p2', 'p3', 'p4']
    const rounds = 15
    const outputs = await Promise.all(names.map((name) => writer(dir, name, rounds)))
    const claims = outputs.map((output) => JSON.parse(output) as { name: string; claim: string })
    // compare-and-set across processes: one claim wins, the others see the conflict
    expect(claims.filter((claim) => claim.claim === 'won')).toHaveLength(1)
    expect(claims.filter((claim) => claim.claim === 'StorageConflictError')).toHaveLength(names.length - 1)

    const storage = createFileStorage({ dir })
    // without the cross-process lock, concurrent read-modify-writes would lose increments
    expect((await storage.tasks.get('counter'))?.attempts).toBe(names.length * rounds)
    const messages = (await storage.sessions.messages('shared')).map((message) => message.content as string)
    expect(messages).toHaveLength(names.length * rounds * 2)
    for (const name of names) {
      for (let round = 0; round < rounds; round++) {
        const at = messages.indexOf(`${name}-${round}-question`)
        expect(messages[at + 1]).toBe(`${name}-${round}-answer`)
      }
    }
    const winner = claims.find((claim) => claim.claim === 'won')?.name
    expect((await storage.runs.load('shared'))?.snapshot).toEqual({ version: 1, owner: winner })
    await storage.close()
  }, 60_000)
})
