import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileStorage } from 'agentloop/file'
import { storageDriverOf } from 'agentloop/storage'
import { storageConformance } from 'agentloop/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { loadStorageFixtures } from '../../../test/support/storage-fixtures.js'
import { encodeFileName } from './file-io.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-file-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let count = 0
const nextDir = () => join(directory, `store-${++count}`)

await storageConformance({
  name: 'file (durability full)',
  create: () => createFileStorage({ dir: nextDir() }),
  fixtures: loadStorageFixtures(),
})

await storageConformance({
  name: 'file (durability process)',
  create: () => createFileStorage({ dir: nextDir(), durability: 'process' }),
})

describe('createFileStorage', () => {
  it('keeps one JSON file per record, written atomically, and leaves no lock, journal or temporary file', async () => {
    const dir = nextDir()
    const storage = createFileStorage({ dir })
    await storage.runs.save({
      runId: 'Run/1',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1, n: 1 },
    })
    await storage.close()
    expect(readdirSync(dir).sort()).toEqual(['head.json', 'records'])
    const runs = join(dir, 'records', 'run')
    const [file] = readdirSync(runs)
    expect(file).toBe(`${encodeFileName('Run/1')}.json`)
    const stored = JSON.parse(readFileSync(join(runs, file as string), 'utf8'))
    expect(stored).toMatchObject({ collection: 'run', key: 'Run/1', revision: 1, data: { runId: 'Run/1' } })
    // another storage on the same directory (another process, after a restart) reads it back
    const again = createFileStorage({ dir, durability: 'process' })
    expect((await again.runs.load('Run/1'))?.snapshot).toEqual({ version: 1, n: 1 })
    await again.close()
  })

  it('encodes keys as file names that are safe everywhere and distinct on case-insensitive disks', () => {
    expect(encodeFileName('abc-1')).toBe('abc-1')
    expect(encodeFileName('A')).not.toBe(encodeFileName('a'))
    expect(encodeFileName('../etc/passwd')).not.toMatch(/[./]/)
    expect(encodeFileName('')).toBe('_')
    const long = encodeFileName('x'.repeat(1000))
    expect(long.length).toBeLessThan(200)
    expect(long).not.toBe(encodeFileName(`${'x'.repeat(999)}y`))
  })

  it('finishes a commit interrupted after its journal was written (all of the batch, not part of it)', async () => {
    const dir = nextDir()
    const storage = createFileStorage({ dir })
    await storage.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1, step: 1 },
    })
    await storage.close()
    // what a process killed between writing the journal and applying it leaves behind
    const head = JSON.parse(readFileSync(join(dir, 'head.json'), 'utf8'))
    const row = (text: object) => ({
      group: '',
      order: 1,
      revision: 9,
      createdAt: 1,
      updatedAt: 2,
      expiresAt: null,
      text: JSON.stringify(text),
    })
    const journal = {
      head: {
        ...head,
        generation: head.generation + 1,
        collections: { ...head.collections, memory: head.generation + 1, task: head.generation + 1 },
      },
      effects: [
        {
          collection: 'memory',
          key: 'k',
          row: row({ version: 1, scope: 'global', scopeId: null, key: 'k', value: 'from the journal' }),
        },
        {
          collection: 'task',
          key: 't',
          row: row({
            version: 1,
            id: 't',
            namespace: 'default',
            title: 'from the journal',
            status: 'pending',
            priority: 0,
            dependsOn: [],
            attempts: 0,
          }),
        },
      ],
    }
    writeFileSync(join(dir, 'journal.json'), JSON.stringify(journal))
    writeFileSync(join(dir, '.tmp-head.json-leftover'), 'partial')
    const reopened = createFileStorage({ dir })
    expect((await reopened.tasks.get('t'))?.title).toBe('from the journal')
    expect(existsSync(join(dir, 'journal.json'))).toBe(false)
    expect(existsSync(join(dir, '.tmp-head.json-leftover'))).toBe(false)
    expect(readdirSync(join(dir, 'records', 'memory'))).toEqual(['k.json'])
    await reopened.close()
  })

  it('repairs a head.json damaged by a power loss: every process reloads from the intact record files', async () => {
    const dir = nextDir()
    const first = createFileStorage({ dir })
    await first.memory.set({ scope: 'global', key: 'k', value: 'kept' })
    expect((await first.memory.list({ scope: 'global' })).map((entry) => entry.value)).toEqual(['kept'])
    writeFileSync(join(dir, 'head.json'), '{"layout":1,"gener')
    const second = createFileStorage({ dir })
    await second.memory.set({ scope: 'global', key: 'other', value: 'new' })
    // the first storage had the collection cached: the repaired head makes it reload
    expect((await first.memory.list({ scope: 'global' })).map((entry) => entry.value).sort()).toEqual([
      'kept',
      'new',
    ])
    expect(JSON.parse(readFileSync(join(dir, 'head.json'), 'utf8')).base).toBeGreaterThan(1_000_000)
    await Promise.all([first.close(), second.close()])
  })

  it('breaks a lock left by a process that died, and waits for one held by a live process', async () => {
    const dir = nextDir()
    const storage = createFileStorage({ dir, lockTimeoutMs: 300 })
    await storage.memory.set({ scope: 'global', key: 'k', value: 1 })
    // pid 2**22 + 1 is above Linux's pid_max default: no such process
    writeFileSync(
      join(dir, 'lock'),
      JSON.stringify({
        host: (await import('node:os')).hostname(),
        pid: 4_194_305,
        process: 'x',
        token: 'dead',
      }),
    )
    await storage.memory.set({ scope: 'global', key: 'k', value: 2 })
    expect(existsSync(join(dir, 'lock'))).toBe(false)
    // a live holder (this test's parent process) is waited for, then the commit fails clearly
    writeFileSync(
      join(dir, 'lock'),
      JSON.stringify({
        host: (await import('node:os')).hostname(),
        pid: process.ppid,
        process: 'x',
        token: 'live',
      }),
    )
    await expect(storage.memory.set({ scope: 'global', key: 'k', value: 3 })).rejects.toThrow(
      /lock .* was held by another writer .* delete the lock file/,
    )
    rmSync(join(dir, 'lock'))
    expect((await storage.memory.get({ scope: 'global', key: 'k' }))?.value).toBe(2)
    await storage.close()
  })

  it('sees the commits of another storage on the same directory (its cache follows head.json)', async () => {
    const dir = nextDir()
    const first = createFileStorage({ dir })
    const second = createFileStorage({ dir })
    await first.memory.set({ scope: 'global', key: 'k', value: 'one' })
    expect((await second.memory.get({ scope: 'global', key: 'k' }))?.value).toBe('one')
    await second.memory.set({ scope: 'global', key: 'k', value: 'two' })
    expect((await first.memory.get({ scope: 'global', key: 'k' }))?.value).toBe('two')
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? first : second).sessions.append('shared', [
          { role: 'user', content: `m${index}` },
        ]),
      ),
    )
    expect((await first.sessions.messages('shared')).length).toBe(20)
    await Promise.all([first.close(), second.close()])
  })

  it('reports its settings and rejects bad options with a ConfigError naming the option', async () => {
    const storage = createFileStorage({ dir: nextDir(), durability: 'process' })
    expect(storage.backend).toBe('file')
    expect(storageDriverOf(storage)?.info?.()).toMatchObject({ durability: 'process', layout: 1 })
    await storage.close()
    expect(() => createFileStorage({ dir: '' })).toThrow(/dir must be/)
    expect(() => createFileStorage({ dir: nextDir(), durability: 'sometimes' as never })).toThrow(
      /durability/,
    )
    expect(() => createFileStorage({ dir: nextDir(), lockTimeoutMs: -1 })).toThrow(/lockTimeoutMs/)
    const file = join(directory, 'a-file')
    writeFileSync(file, '')
    expect(() => createFileStorage({ dir: join(file, 'sub') })).toThrow(
      /cannot use .* as the store's directory/,
    )
  })
})
