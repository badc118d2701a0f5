// A separate process writing to a shared SQLite file, for test/storage-processes.test.ts.
// argv: path, writer name, blocks to append; prints the outcome of its claim on run "shared".
import { createSqliteStorage } from 'agentloop/sqlite'

const [path, name, blocks] = process.argv.slice(2) as [string, string, string]
const storage = createSqliteStorage({ path, busyTimeoutMs: 10_000 })
for (let block = 0; block < Number(blocks); block++) {
  await storage.sessions.append('shared', [
    { role: 'user', content: `${name}-${block}-question` },
    { role: 'assistant', content: `${name}-${block}-answer` },
  ])
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
