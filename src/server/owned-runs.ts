import type { RunRecord, RunRepository } from '../storage/run-repository.js'
import type { Ownership } from './ownership.js'
import { decodeCursor, encodeCursor } from './page-cursor.js'

/** Filters of a run listing. */
export interface RunFilter {
  status?: string | undefined
  agent?: string | undefined
  sessionId?: string | undefined
}

/** Index pages read at most per request: a rare filter may answer a short page with a cursor. */
const MAX_ROUNDS = 20

/**
 * One owner's runs, newest first: ids read through the owner index a page at a time, records
 * filtered as they are read. The cursor is the index position of the last run examined.
 */
export async function listOwnedRuns(options: {
  ownership: Ownership
  runs: RunRepository
  owner: string
  filter: RunFilter
  limit: number
  cursor: string | undefined
}): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
  const { filter, limit } = options
  const found: RunRecord[] = []
  let after = decodeCursor(options.cursor)
  let exhausted = false
  for (let round = 0; round < MAX_ROUNDS && found.length < limit && !exhausted; round++) {
    const ids = await options.ownership.list('run', options.owner, {
      limit: limit * 2,
      ...(after === undefined ? {} : { after }),
    })
    exhausted = ids.length < limit * 2
    for (const [index, entry] of ids.entries()) {
      after = entry.position
      const record = await options.runs.get(entry.id)
      if (
        record !== null &&
        (filter.status === undefined || record.status === filter.status) &&
        (filter.agent === undefined || record.agentName === filter.agent) &&
        (filter.sessionId === undefined || record.sessionId === filter.sessionId)
      ) {
        found.push(record)
        if (found.length === limit) {
          if (index < ids.length - 1) exhausted = false
          break
        }
      }
    }
  }
  return { runs: found, nextCursor: exhausted || after === undefined ? null : encodeCursor(after) }
}
