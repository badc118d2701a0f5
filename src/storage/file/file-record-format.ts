/**
 * The format of one record file: the envelope (collection, key, group, order, revision, times)
 * and the record's data, as one readable JSON object.
 *
 * @module
 */
import { parseJson } from '../../util/json.js'
import type { MemoryRow } from '../memory/memory-rows.js'
import { StorageError } from '../storage-errors.js'

/** The text of a record file. The data is spliced in as it is, so it is not serialised twice. */
export function recordFileText(collection: string, key: string, row: MemoryRow): string {
  const { text, ...envelope } = row
  const head = JSON.stringify({ collection, key, ...envelope })
  return `${head.slice(0, -1)},"data":${text}}\n`
}

/** Reads a record file back; a `StorageError` naming the file when it is not one. */
export function parseRecordFile(path: string, text: string): { key: string; row: MemoryRow } {
  const parsed = parseJson(text)
  const value = (parsed.ok ? parsed.value : null) as
    | (Partial<MemoryRow> & { key?: unknown; data?: unknown })
    | null
  if (typeof value?.key !== 'string' || typeof value.data !== 'object' || value.data === null) {
    throw new StorageError({
      message: `The file store's ${path} is unreadable: ${parsed.ok ? 'not a record file' : parsed.message}. Restore it from a backup or delete it (deleting a record file loses that record).`,
    })
  }
  return {
    key: value.key,
    row: {
      group: String(value.group ?? ''),
      order: Number(value.order ?? 0),
      revision: Number(value.revision ?? 1),
      createdAt: Number(value.createdAt ?? 0),
      updatedAt: Number(value.updatedAt ?? 0),
      expiresAt: typeof value.expiresAt === 'number' ? value.expiresAt : null,
      // records written before indexes and parents existed have neither
      indexes: Array.isArray(value.indexes) ? value.indexes.map(String) : [],
      parent: typeof value.parent === 'string' ? value.parent : null,
      text: JSON.stringify(value.data),
    },
  }
}
