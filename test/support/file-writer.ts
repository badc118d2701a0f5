// A separate process writing to a shared file store, for test/storage-processes-file.test.ts.
// argv: dir, writer name, rounds. Each round appends a block of two messages and increments a
// shared counter with a read-modify-write (compare-and-set, retried on conflict); then it claims
// run "shared" once and prints the outcome as one JSON line.
import { createFileStorage } from 'agentloop/file'

const [dir, name, rounds] = process.argv.slice(2) as [string, string, string]
const storage = createFileStorage({ dir, durability: 'process' })
for (let round = 0; round < Number(rounds); round++) {
  await storage.sessions.append('shared', [
    { role: 'user', content: `${name}-${round}-question` },
    { role: 'assistant', content: `${name}-${round}-answer` },
  ])
  await storage.tasks.update('counter', (task) => ({ attempts: task.attempts + 1 }))
}
const claim = await storage.runs
  .save({
    runId: 'shared',
    agentName: 'a',
    status: 'running',
    snapshot: { version: 1, owner: name },
    expectedRevision: 1,
  })
  .then(
    () => 'won',
    (error: Error) => error.name,
  )
console.log(JSON.stringify({ name, claim }))
await storage.close()
