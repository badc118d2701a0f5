import type { Redis } from 'ioredis'
import { encodeData, parseData } from '../record-codec.js'
import { StorageError } from '../storage-errors.js'
import type { CommitResult, ListOptions, StoreDriver, StoredRecord, WriteOperation } from '../store-driver.js'
import { COMMIT_SCRIPT, LIST_SCRIPT } from './redis-scripts.js'

type ScriptClient = Redis & {
  agentloopCommit(...args: (string | number)[]): Promise<(number | string)[]>
  agentloopList(...args: (string | number)[]): Promise<(string | null)[]>
}

/** The Redis store: hashes and sorted sets, every commit and list one Lua script. */
export function createRedisDriver(options: {
  redis: Redis
  prefix: string
  ownsClient: boolean
}): StoreDriver {
  const { prefix } = options
  const redis = options.redis as ScriptClient
  redis.defineCommand('agentloopCommit', { numberOfKeys: 0, lua: COMMIT_SCRIPT })
  redis.defineCommand('agentloopList', { numberOfKeys: 0, lua: LIST_SCRIPT })

  const fail = (what: string, error: unknown): never => {
    throw new StorageError({
      message: `Redis ${what} failed: ${(error as Error)?.message ?? String(error)}`,
      cause: error,
    })
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

  return {
    name: 'redis',

    async get(collection, key) {
      let fields: (string | null)[]
      try {
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
      let rows: (string | null)[]
      try {
        rows = await redis.agentloopList(
          prefix,
          collection,
          listOptions.group === undefined ? '0' : '1',
          listOptions.group ?? '',
          listOptions.afterOrder === undefined ? '' : String(listOptions.afterOrder),
          listOptions.limit === undefined ? '' : String(listOptions.limit),
          listOptions.descending ? '1' : '0',
          String(Date.now()),
        )
      } catch (error) {
        return fail('read', error)
      }
      const records: StoredRecord[] = []
      for (let index = 0; index < rows.length; index += 8) {
        records.push(toRecord(collection, rows[index] as string, rows.slice(index + 1, index + 8)))
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
