// A Node module hook that reports every bare specifier resolved, to prove what an import loads.
// Module hooks run on their own thread, where process.stderr is forwarded to the main thread
// asynchronously: a child that exits right after its last import could lose the last lines (seen
// once in CI: agentloop/sqlite reported no better-sqlite3). fs.writeSync on fd 2 writes at once.
import { writeSync } from 'node:fs'

export async function resolve(specifier, context, nextResolve) {
  if (!specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('file:')) {
    writeSync(2, `resolved-bare:${specifier}\n`)
  }
  return nextResolve(specifier, context)
}
