/**
 * One validated configuration from the environment, so `agentloop serve` and `agentloop worker`
 * need no code for the common case. `.env` in the working directory is read first when present
 * (`process.loadEnvFile`; variables already set win). A bad value is a `ConfigError` naming the
 * variable, the value's problem and what to write instead.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'

/** Where runs, sessions and the rest are stored. */
export type StorageConfig =
  | { backend: 'sqlite'; path: string }
  | { backend: 'postgres'; url: string }
  | { backend: 'memory' }

/** The configuration `loadConfig` returns. */
export interface AgentLoopConfig {
  /** From `DATABASE_URL` (default `sqlite:agentloop.db`). */
  storage: StorageConfig
  /** `REDIS_URL`, when set. */
  redisUrl: string | undefined
  /** `AGENTLOOP_QUEUE`: `memory` or `bullmq` (default `bullmq` when `REDIS_URL` is set, else `memory`). */
  queue: 'memory' | 'bullmq'
  /** `AGENTLOOP_BUS`: `memory` or `redis` (default `redis` when `REDIS_URL` is set, else `memory`). */
  bus: 'memory' | 'redis'
  /** `AGENTLOOP_PREFIX`: the Redis key and channel prefix of the queue and the bus (default `agentloop`). */
  prefix: string
  /** `AGENTLOOP_MODEL`: the default model reference (`provider:model`), when set. */
  model: string | undefined
  /** `AGENTLOOP_CONCURRENCY`: runs a worker executes at once (default 16). */
  concurrency: number
  /** `AGENTLOOP_RETRIES`: retries of a failed run from its checkpoint (default 3). */
  retries: number
  /** `AGENTLOOP_RUN_TIMEOUT_MS`: a run's timeout (default 300,000). */
  runTimeoutMs: number
  /** `AGENTLOOP_ORPHAN_AFTER_MS`: when an unattended queued or running run counts as an orphan (default 60,000). */
  orphanAfterMs: number
  /** `AGENTLOOP_SHUTDOWN_GRACE_MS`: how long a stopping worker lets runs finish (default 10,000). */
  shutdownGraceMs: number
  /** `PORT` (default 3000) and `HOST` (default 127.0.0.1) of `agentloop serve`. */
  port: number
  host: string
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The variables (default `process.env`). */
  env?: Record<string, string | undefined>
  /** The `.env` file read when it exists (default `.env` in the working directory); `false` reads none. */
  envFile?: string | false
}

const integer = (minimum: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((value) => value >= minimum, `must be at least ${minimum}`)

const variables = {
  DATABASE_URL: z.string().trim().min(1).optional(),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL, such as redis://127.0.0.1:6379')
    .optional(),
  AGENTLOOP_QUEUE: z.enum(['memory', 'bullmq']).optional(),
  AGENTLOOP_BUS: z.enum(['memory', 'redis']).optional(),
  AGENTLOOP_PREFIX: z
    .string()
    .regex(/^[\w.-]+$/, 'may hold letters, digits, _ . and - only (no ":")')
    .optional(),
  AGENTLOOP_MODEL: z
    .string()
    .regex(/^[\w.-]+:\S+$/, 'must be a model reference provider:model, such as openai:gpt-4o-mini')
    .optional(),
  AGENTLOOP_CONCURRENCY: integer(1).optional(),
  AGENTLOOP_RETRIES: integer(0).optional(),
  AGENTLOOP_RUN_TIMEOUT_MS: integer(1).optional(),
  AGENTLOOP_ORPHAN_AFTER_MS: integer(1).optional(),
  AGENTLOOP_SHUTDOWN_GRACE_MS: integer(0).optional(),
  PORT: integer(0)
    .refine((value) => value <= 65_535, 'must be at most 65535')
    .optional(),
  HOST: z.string().trim().min(1).optional(),
}

/**
 * Reads the configuration from the environment (and `.env`). Throws `ConfigError` naming the
 * first bad variable.
 */
export function loadConfig(options: LoadConfigOptions = {}): AgentLoopConfig {
  const env = { ...readEnvFile(options.envFile), ...(options.env ?? process.env) }
  const parsed = z.object(variables).safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const name = String(issue?.path[0] ?? 'environment')
    throw new ConfigError({
      message: `${name}=${JSON.stringify(env[name] ?? '')} ${issue?.message ?? 'is invalid'}${issue?.code === 'invalid_value' ? ` (${describeChoices(name)})` : ''}.`,
    })
  }
  const values = parsed.data
  const redisUrl = values.REDIS_URL
  const queue = values.AGENTLOOP_QUEUE ?? (redisUrl === undefined ? 'memory' : 'bullmq')
  const bus = values.AGENTLOOP_BUS ?? (redisUrl === undefined ? 'memory' : 'redis')
  if ((queue === 'bullmq' || bus === 'redis') && redisUrl === undefined) {
    const variable = queue === 'bullmq' ? 'AGENTLOOP_QUEUE=bullmq' : 'AGENTLOOP_BUS=redis'
    throw new ConfigError({
      message: `${variable} needs REDIS_URL (such as redis://127.0.0.1:6379); set it, or use memory.`,
    })
  }
  if (queue === 'bullmq' && bus === 'memory') {
    throw new ConfigError({
      message:
        'AGENTLOOP_BUS=memory with AGENTLOOP_QUEUE=bullmq: runs execute in other processes, whose events an in-process bus never carries. Set AGENTLOOP_BUS=redis (or leave it unset).',
    })
  }
  return {
    storage: storageOf(values.DATABASE_URL ?? 'sqlite:agentloop.db'),
    redisUrl,
    queue,
    bus,
    prefix: values.AGENTLOOP_PREFIX ?? 'agentloop',
    model: values.AGENTLOOP_MODEL,
    concurrency: values.AGENTLOOP_CONCURRENCY ?? 16,
    retries: values.AGENTLOOP_RETRIES ?? 3,
    runTimeoutMs: values.AGENTLOOP_RUN_TIMEOUT_MS ?? 300_000,
    orphanAfterMs: values.AGENTLOOP_ORPHAN_AFTER_MS ?? 60_000,
    shutdownGraceMs: values.AGENTLOOP_SHUTDOWN_GRACE_MS ?? 10_000,
    port: values.PORT ?? 3000,
    host: values.HOST ?? '127.0.0.1',
  }
}

function describeChoices(name: string): string {
  if (name === 'AGENTLOOP_QUEUE') return 'use memory or bullmq'
  if (name === 'AGENTLOOP_BUS') return 'use memory or redis'
  return 'see docs/runner.md'
}

/** `DATABASE_URL` as a storage choice. */
function storageOf(url: string): StorageConfig {
  if (/^postgres(ql)?:\/\//.test(url)) return { backend: 'postgres', url }
  if (url === 'memory:' || url === ':memory:') return { backend: 'memory' }
  const sqlite = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(url)
  if (sqlite?.[1] !== undefined) return { backend: 'sqlite', path: sqlite[1] }
  throw new ConfigError({
    message: `DATABASE_URL=${JSON.stringify(redactUrl(url))} is not a database agentloop knows: use postgres://user:password@host:5432/db, sqlite:path/to/file.db, or memory:.`,
  })
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
}

/** The variables of the `.env` file, or none when it does not exist. */
function readEnvFile(envFile: string | false | undefined): Record<string, string> {
  if (envFile === false) return {}
  const path = resolve(envFile ?? '.env')
  if (!existsSync(path)) return {}
  if (envFile === undefined && typeof process.loadEnvFile === 'function') {
    // The default file goes into process.env too, for code (model providers) that reads it there.
    const before = { ...process.env }
    process.loadEnvFile(path)
    const added: Record<string, string> = {}
    for (const [key, value] of Object.entries(process.env))
      if (before[key] === undefined && value !== undefined) added[key] = value
    return added
  }
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>
}
