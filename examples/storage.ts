/**
 * Storage in practice, on an SQLite file: a conversation with an edited message (two branches), a
 * run checkpoint that only one worker can take over, scoped memory with expiry, and a similarity
 * search. Run: npx tsx examples/storage.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StorageConflictError } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-example-'))
const storage = createSqliteStorage({ path: join(directory, 'agentloop.db') })

// Sessions: append, edit a message (a new active branch), switch back.
await storage.sessions.append('trip', [
  { role: 'user', content: 'Plan three days in Lisbon.' },
  { role: 'assistant', content: 'Day 1: Alfama. Day 2: Belém. Day 3: Sintra.' },
])
const [question] = await storage.sessions.entries('trip')
if (question !== undefined) {
  await storage.sessions.edit('trip', question.id, { role: 'user', content: 'Plan two days in Porto.' })
}
console.log(
  'active branch:',
  (await storage.sessions.messages('trip')).map((message) => message.content),
)
console.log(
  'branches:',
  (await storage.sessions.branches('trip')).map((branch) => branch.branchId),
)
await storage.sessions.switchBranch('trip', 'main')
console.log('back on main:', (await storage.sessions.messages('trip')).length, 'messages')

// Runs: a checkpoint, then two workers try to resume it; compare-and-set lets exactly one through.
const saved = await storage.runs.save({
  runId: 'run-1',
  agentName: 'planner',
  status: 'running',
  snapshot: { version: 1, turn: 1, messages: [] },
  expectedRevision: null,
})
const resume = (worker: string) =>
  storage.runs
    .save({
      runId: 'run-1',
      agentName: 'planner',
      status: 'running',
      snapshot: { version: 1, turn: 1, messages: [], worker },
      expectedRevision: saved.revision,
    })
    .then(
      () => `${worker} resumed the run`,
      (error: unknown) =>
        error instanceof StorageConflictError ? `${worker} lost the race` : Promise.reject(error),
    )
console.log(await Promise.all([resume('worker A'), resume('worker B')]))

// Memory with scopes and expiry; preferences.
await storage.memory.set({ scope: 'user', scopeId: 'ana', key: 'city', value: 'Lisbon', ttlMs: 60_000 })
await storage.memory.setPreferences({ scope: 'user', scopeId: 'ana' }, { units: 'metric', language: 'pt' })
console.log('memory:', (await storage.memory.get({ scope: 'user', scopeId: 'ana', key: 'city' }))?.value)
console.log('preferences:', await storage.memory.getPreferences({ scope: 'user', scopeId: 'ana' }))

// Knowledge: the nearest embeddings by cosine similarity.
await storage.knowledge.putEmbedding({ id: 'tram', vector: [0.9, 0.1, 0], text: 'Tram 28 crosses Alfama' })
await storage.knowledge.putEmbedding({ id: 'tiles', vector: [0.1, 0.9, 0.2], text: 'Azulejo museum' })
const [best] = await storage.knowledge.search({ vector: [1, 0, 0], topK: 1 })
console.log('closest:', best?.embedding.text, best?.score.toFixed(3))

await storage.close()
rmSync(directory, { recursive: true, force: true })
