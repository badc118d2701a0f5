/**
 * The storage of a command: the config module's own, else a SQLite file given by `--db`, else what
 * `DATABASE_URL` names (read by `agentloop/config`: PostgreSQL, SQLite, memory; default SQLite
 * `agentloop.db` in the working directory). Drivers load only when chosen.
 *
 * @module
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import {
  type AgentLoopConfig as EnvironmentConfig,
  redactUrl,
  type StorageConfig,
} from '../config/load-config.js'
import { createStorageFromConfig } from '../config/runtime-from-config.js'
import type { Storage } from '../storage/storage.js'
import type { CliConfig } from './config.js'

/** Which storage a command opens, and how it names it for people (never with a password). */
export interface StorageChoice {
  kind: 'config' | 'postgres' | 'sqlite' | 'memory'
  /** For logs and `--json` output: the SQLite path, or the PostgreSQL URL without its password. */
  where: string
  open(): Promise<Storage>
}

/** Decides the storage: the config's own, else `--db`, else `DATABASE_URL` as the environment configuration reads it. */
export function chooseStorage(options: {
  config: CliConfig
  db?: string | undefined
  cwd: string
  environment: EnvironmentConfig
}): StorageChoice {
  const { config } = options
  if (config.storage !== undefined) {
    const storage = config.storage
    return {
      kind: 'config',
      where: 'the config module',
      open: async () => (typeof storage === 'function' ? await storage() : storage),
    }
  }
  const chosen: StorageConfig =
    options.db === undefined ? options.environment.storage : { backend: 'sqlite', path: options.db }
  switch (chosen.backend) {
    case 'postgres':
      return {
        kind: 'postgres',
        where: redactUrl(chosen.url),
        open: () => createStorageFromConfig({ ...options.environment, storage: chosen }),
      }
    case 'memory':
      return {
        kind: 'memory',
        where: 'memory (nothing is kept after the command)',
        open: () => createStorageFromConfig({ ...options.environment, storage: chosen }),
      }
    case 'sqlite': {
      const file = resolve(options.cwd, chosen.path)
      return {
        kind: 'sqlite',
        where: file,
        async open() {
          mkdirSync(dirname(file), { recursive: true })
          return createStorageFromConfig({
            ...options.environment,
            storage: { backend: 'sqlite', path: file },
          })
        },
      }
    }
    default:
      chosen satisfies never
      throw new Error('unreachable')
  }
}
