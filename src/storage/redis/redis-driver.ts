import type { Redis } from 'ioredis'
import { encodeData, parseData } from '../record-codec.js'
import type {
  AncestorOptions,
  CommitResult,
  ListOptions,
  StoreDriver,
  StoredRecord,
  WriteOperation,
} from '../store-driver.js'
import { redisError } from './redis-errors.js'
import { ANCESTORS_SCRIPT, COMMIT_SCRIPT, LIST_SCRIPT, UPGRADE_SCRIPT } from './redis-scripts.js'

type ScriptClient = Redis & {
  agentloopCommit(...args: (string | number)[]): Promise<(number | string)[]>
  agentloopList2(...args: (string | number)[]): Promise<(string | null)[]>
  agentloopAncestors(...args: (string | number)[]): Promise<(string | null)[]>
  agentloopUpgrade(...args: (string | number)[]): Promise<number>
}

/** The key layout this driver writes (see redis-scripts.ts); older layouts are upgraded on first use. */
const LAYOUT = 2
/** Records per script call when a list has no limit, a chain is walked or the layout upgraded. */
const CHUNK = 500
const MAX_CHAIN = 1_000_000

/** The Redis store: hashes and sorted sets, every commit one Lua script, reads in bounded chunks. */
export function createRedisDriver(options: {
  redis: Redis
  prefix: string
  ownsClient: boolean
  /** `host:port` for messages (never the password). */
  server: string
}): StoreDriver {
  const { prefix, server } = options
  const redis = options.redis as ScriptClient
  redis.defineCommand('agentloopCommit', { numberOfKeys: 0, lua: COMMIT_SCRIPT })
  redis.defineCommand('agentloopList2', { numberOfKeys: 0, lua: LIST_SCRIPT })
  redis.defineCommand('agentloopAncestors', { numberOfKeys: 0, lua: ANCESTORS_SCRIPT })
  redis.defineCommand('agentloopUpgrade', { numberOfKeys: 0, lua: UPGRADE_SCRIPT })

  const fail = (what: string, error: unknown): never => {
    throw redisError(what, error, server)
  }

  // Data written before layout 2 gets its run index values and message parent links, once.
  let upgraded: Promise<void> | undefined
  const ready = () => {
    upgraded ??= (async () => {
      if (Number(await redis.get(`${prefix}format`)) >= LAYOUT) return
      for (const collection of ['run', 'session-message']) {
        for (let start = 0; ; start += CHUNK) {
          if ((await redis.agentloopUpgrade(prefix, collection, start, CHUNK)) < CHUNK) break
        }
      }
      await redis.set(`${prefix}format`, String(LAYOUT))
    })().catch((error: unknown) => {
      upgraded = undefined
      throw error
    })
    return upgraded
  }

  const toRecord = (collection: string, key: string, fields: (string | null)[]): StoredRecord => {
    const [group, order, revision, createdAt, updatedAt, expiresAt, data] = fields
    return {
      collection,
      key,
      group: group ?? '',
      order: Number(order),
      revision: Number(revision),
      createdAt: Number(createdAt),
      updatedAt: Number(updatedAt),
      expiresAt: expiresAt === '' || expiresAt === null || expiresAt === undefined ? null : Number(expiresAt),
      data: parseData(data ?? '', collection, key),
    }
  }

  const toRecords = (collection: string, rows: (string | null)[], end = rows.length) => {
    const records: StoredRecord[] = []
    for (let index = 0; index + 8 <= end; index += 8) {
      records.push(toRecord(collection, rows[index] as string, rows.slice(index + 1, index + 8)))
    }
    return records
  }

  async function listChunk(collection: string, listOptions: ListOptions, limit: number) {
    const [kind, name] =
      listOptions.index !== undefined
        ? ['i', listOptions.index]
        : listOptions.group !== undefined
          ? ['g', listOptions.group]
          : ['c', '']
    const rows = await redis.agentloopList2(
      prefix,
      collection,
      kind,
      name,
      listOptions.afterOrder === undefined ? '' : String(listOptions.afterOrder),
      listOptions.after === undefined ? '' : String(listOptions.after.order),
      listOptions.after?.key ?? '',
      limit,
      listOptions.descending ? '1' : '0',
      String(Date.now()),
    )
    return toRecords(collection, rows)
  }

  return {
    name: 'redis',

    async get(collection, key) {
      let fields: (string | null)[]
      try {
        await ready()
        fields = await redis.hmget(
          `${prefix}r:${collection}:${key}`,
          'grp',
          'ord',
          'rev',
          'ca',
          'ua',
          'exp',
          'data',
        )
      } catch (error) {
        return fail('read', error)
      }
      if (fields[2] === null) return null
      const record = toRecord(collection, key, fields)
      return record.expiresAt !== null && record.expiresAt <= Date.now() ? null : record
    },

    async list(collection, listOptions: ListOptions = {}) {
      try {
        await ready()
        if (listOptions.limit !== undefined)
          return await listChunk(collection, listOptions, listOptions.limit)
        // no limit: page through, so that no single script blocks the server for long
        const records: StoredRecord[] = []
        let after = listOptions.after
        for (;;) {
          const chunk = await listChunk(
            collection,
            { ...listOptions, ...(after === undefined ? {} : { after }) },
            CHUNK,
          )
          records.push(...chunk)
          const last = chunk[chunk.length - 1]
          if (last === undefined || chunk.length < CHUNK) return records
          after = { order: last.order, key: last.key }
        }
      } catch (error) {
        return fail('read', error)
      }
    },

    async ancestors(collection, key, ancestorOptions: AncestorOptions = {}) {
      const limit = ancestorOptions.limit ?? MAX_CHAIN
      const records: StoredRecord[] = []
      const seen = new Set<string>()
      let next = key
      try {
        await ready()
        while (next !== '' && records.length < limit) {
          const rows = await redis.agentloopAncestors(
            prefix,
            collection,
            next,
            Math.min(CHUNK, limit - records.length),
            String(Date.now()),
          )
          next = String(rows[rows.length - 1] ?? '')
          for (const record of toRecords(collection, rows, rows.length - 1)) {
            if (seen.has(record.key)) return records // a cycle: only hand-edited data has one
            seen.add(record.key)
            records.push(record)
          }
        }
      } catch (error) {
        return fail('read', error)
      }
      return records
    },

    async commit(operations: readonly WriteOperation[], now: number): Promise<CommitResult> {
      const texts: string[] = []
      const encoded = operations.map((operation) => {
        switch (operation.type) {
          case 'put':
            texts.push(encodeData(operation.data, operation.collection, operation.key))
            return {
              t: 'put',
              c: operation.collection,
              k: operation.key,
              g: operation.group,
              o: operation.order,
              d: texts.length,
              ...(operation.expiresAt === undefined || operation.expiresAt === null
                ? {}
                : { x: operation.expiresAt }),
              ...(operation.expectedRevision === undefined ? {} : { e: operation.expectedRevision }),
              ...(operation.ifAbsent ? { ia: true } : {}),
              ...(operation.keepPosition ? { kp: true } : {}),
              ...(operation.parent === undefined || operation.parent === null ? {} : { p: operation.parent }),
              ...(operation.indexes === undefined ? {} : { ix: operation.indexes }),
              ...(operation.restore === undefined
                ? {}
                : {
                    r: [operation.restore.revision, operation.restore.createdAt, operation.restore.updatedAt],
                  }),
            }
          case 'delete':
          case 'check':
            return {
              t: operation.type,
              c: operation.collection,
              k: operation.key,
              ...(operation.expectedRevision === undefined ? {} : { e: operation.expectedRevision }),
            }
          case 'deleteGroup':
            return { t: 'deleteGroup', c: operation.collection, g: operation.group }
          default: {
            const never: never = operation
            throw new Error(`unknown operation ${JSON.stringify(never)}`)
          }
        }
      })
      let result: (number | string)[]
      try {
        await ready()
        result = await redis.agentloopCommit(prefix, String(now), JSON.stringify(encoded), ...texts)
      } catch (error) {
        return fail('write', error)
      }
      if (Number(result[0]) === 1) return { ok: true, revisions: result.slice(1).map(Number) }
      const actual = Number(result[2])
      return { ok: false, index: Number(result[1]), actualRevision: actual < 0 ? null : actual }
    },

    info() {
      return { prefix, vector: 'js' }
    },

    async close() {
      if (options.ownsClient && redis.status !== 'end') await redis.quit().catch(() => redis.disconnect())
    },
  }
}
