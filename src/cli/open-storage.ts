/**
 * The storage of a command: the config's own, else PostgreSQL when `DATABASE_URL` is a
 * `postgres://` URL, else a SQLite file (`--db`, `DATABASE_URL=sqlite:<path>`, `AGENTLOOP_DB`,
 * default `.agentloop/agentloop.db` in the working directory). Drivers load only when chosen.
 *
 * @module
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '../errors/errors.js'
import type { Storage } from '../storage/storage.js'
import type { AgentLoopConfig } from './config.js'

/** The default SQLite file, relative to the working directory. */
export const DEFAULT_DB = '.agentloop/agentloop.db'

/** Which storage a command opens, and how it names it for people (never with a password). */
export interface StorageChoice {
  kind: 'config' | 'postgres' | 'sqlite'
  /** For logs and `--json` output: the SQLite path, or the PostgreSQL URL without its password. */
  where: string
  open(): Promise<Storage>
}

/** Decides the storage from the config, the `--db` flag and the environment. */
export function chooseStorage(options: {
  config: AgentLoopConfig
  db?: string | undefined
  cwd: string
  env: NodeJS.ProcessEnv
}): StorageChoice {
  const { config, env } = options
  if (config.storage !== undefined) {
    const storage = config.storage
    return {
      kind: 'config',
      where: 'the config module',
      open: async () => (typeof storage === 'function' ? await storage() : storage),
    }
  }
  const url = env.DATABASE_URL?.trim() || undefined
  if (options.db === undefined && url !== undefined && /^postgres(ql)?:\/\//.test(url)) {
    return {
      kind: 'postgres',
      where: withoutPassword(url),
      async open() {
        const { createPostgresStorage } = await import('../storage/postgres/create-postgres-storage.js')
        return createPostgresStorage({ connectionString: url })
      },
    }
  }
  let path = options.db
  if (path === undefined && url !== undefined) {
    const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(url)
    if (match === null) {
      throw new ConfigError({
        message: `DATABASE_URL must be a postgres:// (or postgresql://) URL or sqlite:<path>; got a value starting with ${JSON.stringify(url.slice(0, 12))}.`,
      })
    }
    path = match[1]
  }
  path ??= env.AGENTLOOP_DB?.trim() || DEFAULT_DB
  const file = resolve(options.cwd, path)
  return {
    kind: 'sqlite',
    where: file,
    async open() {
      mkdirSync(dirname(file), { recursive: true })
      const { createSqliteStorage } = await import('../storage/sqlite/create-sqlite-storage.js')
      return createSqliteStorage({ path: file })
    },
  }
}

/** The URL with its password replaced, for messages. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'an unparsable URL'
  }
}
