/**
 * The config module of the `agentloop` command (`agentloop.config.ts` or `.js`): the agents and
 * tools a project serves and runs, and the settings of its server. Its shape is checked when it is
 * loaded; a wrong field is a `ConfigError` naming it.
 *
 * @module
 */

import { Agent } from '../agent/agent.js'
import type { AgentLoopConfig as EnvironmentConfig } from '../config/load-config.js'
import { checkOptionKeys, checkOptionsObject, describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { CircuitBreakersOptions } from '../model/circuit-breakers.js'
import type { ModelFactory } from '../model/model-registry.js'
import type { RuntimeOptions } from '../run/runtime-options.js'
import { checkPrices, type PriceTable } from '../server/price-table.js'
import type { Storage } from '../storage/storage.js'
import type { Tool } from '../tool/tool.js'

/**
 * What an `agentloop.config.ts` exports by default: this object, or a function of the environment
 * configuration (`loadConfig()` of `agentloop/config`) returning it, possibly async.
 */
export interface CliConfig {
  /** Agents served by name (`agentloop run <agent>`, `POST /api/runs { agent }`); names are unique. */
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agents?: readonly Agent<any, any>[]
  /** Tools that agents stored as data (`POST /api/agents`) may name. */
  // biome-ignore lint/suspicious/noExplicitAny: tools of any parameter type
  tools?: readonly Tool<any, any>[]
  /** Model factories by provider prefix, for model references such as `"acme:model-1"`. */
  models?: Record<string, ModelFactory>
  /**
   * The storage, instead of the one chosen from `DATABASE_URL` / `--db` (SQLite by default). A
   * function is called once per command, after the config is loaded.
   */
  storage?: Storage | (() => Storage | Promise<Storage>)
  /**
   * Circuit breakers per provider endpoint around every model reference (default: on, with the
   * defaults of `createCircuitBreakers`); `false` turns them off.
   */
  circuitBreakers?: CircuitBreakersOptions | false
  /** Options of `createServer` (`agentloop serve`) besides `runtime`, `agents` and `tools`. */
  server?: Record<string, unknown>
  /** Step jobs and runnables `{ name, run(ctx) }` that `POST /api/runs` and workers run by name. */
  runnables?: RuntimeOptions['runnables']
  /** Hooks around every run. */
  hooks?: RuntimeOptions['hooks']
  /** Runtime settings: `toolConcurrency`, `timeoutMs`, `streamHighWaterMark`. */
  toolConcurrency?: number
  timeoutMs?: number
  streamHighWaterMark?: number
  /**
   * Prices per million tokens by model (`{ "openai:gpt-4o-mini": { input: 0.15, output: 0.6 } }`),
   * to turn recorded usage into cost (`agentloop usage`, `GET /api/usage`, cost budgets). None by default.
   */
  prices?: PriceTable
  /** Runner settings over those of the environment (`AGENTLOOP_CONCURRENCY`...): see docs/runner.md. */
  runner?: RuntimeOptions['runner']
}

/** A config module's default export: the config, or a function of the environment configuration. */
export type CliConfigExport = CliConfig | ((environment: EnvironmentConfig) => CliConfig | Promise<CliConfig>)

/** Types a config module's default export (an identity function: it only helps the editor). */
export function defineConfig<T extends CliConfigExport>(config: T): T {
  return config
}

const KEYS = [
  'agents',
  'tools',
  'models',
  'storage',
  'circuitBreakers',
  'server',
  'runnables',
  'hooks',
  'toolConcurrency',
  'timeoutMs',
  'streamHighWaterMark',
  'runner',
  'prices',
]

/** The options of the config that go to `new Runtime(...)` as they are. */
export const RUNTIME_KEYS = [
  'runnables',
  'hooks',
  'toolConcurrency',
  'timeoutMs',
  'streamHighWaterMark',
] as const

/** Checks a loaded config module's default export; `source` names the file in messages. */
export function checkConfig(value: unknown, source: string): CliConfig {
  const field = `Config ${source}`
  const config = checkOptionsObject(value as CliConfig, field)
  checkOptionKeys(config, KEYS, field)
  const list = (name: 'agents' | 'tools') => {
    const entries = config[name]
    if (entries === undefined) return
    if (!Array.isArray(entries)) {
      throw new ConfigError({ message: `${field}: ${name} must be an array; got ${describeValue(entries)}.` })
    }
    const names = new Set<string>()
    for (const [index, entry] of entries.entries()) {
      const ok =
        name === 'agents'
          ? entry instanceof Agent ||
            (typeof entry?.name === 'string' && typeof entry?.getTool === 'function')
          : typeof entry?.name === 'string' && typeof entry?.execute === 'function'
      if (!ok) {
        throw new ConfigError({
          message: `${field}: ${name}[${index}] is not ${name === 'agents' ? 'an Agent (new Agent({ ... }))' : 'a tool (tool({ ... }))'}; got ${describeValue(entry)}.`,
        })
      }
      if (names.has(entry.name)) {
        throw new ConfigError({
          message: `${field}: two ${name} are named "${entry.name}"; names must be unique.`,
        })
      }
      names.add(entry.name)
    }
  }
  list('agents')
  list('tools')
  for (const name of ['models', 'server'] as const) {
    const entry = config[name]
    if (entry !== undefined && (typeof entry !== 'object' || entry === null || Array.isArray(entry))) {
      throw new ConfigError({ message: `${field}: ${name} must be an object; got ${describeValue(entry)}.` })
    }
  }
  checkPrices(config.prices, `${field}: prices`)
  const breakers = config.circuitBreakers
  if (breakers !== undefined && breakers !== false && (typeof breakers !== 'object' || breakers === null)) {
    throw new ConfigError({
      message: `${field}: circuitBreakers must be an options object or false; got ${describeValue(breakers)}.`,
    })
  }
  return config
}
