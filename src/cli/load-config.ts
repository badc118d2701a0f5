/**
 * Finds and loads the config module: `--config <file>`, else `AGENTLOOP_CONFIG`, else the first of
 * `agentloop.config.ts`, `.mts`, `.js`, `.mjs` in the working directory. No file is no error: the
 * command runs with no agents registered in code (the server still serves agents stored as data).
 * A TypeScript file is loaded through `tsx` when Node cannot load it itself (Node 20 cannot).
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AgentLoopConfig as EnvironmentConfig } from '../config/load-config.js'
import { ConfigError } from '../errors/errors.js'
import { type CliConfig, checkConfig } from './config.js'

/** The file names looked for in the working directory, in order. */
export const CONFIG_FILES = [
  'agentloop.config.ts',
  'agentloop.config.mts',
  'agentloop.config.js',
  'agentloop.config.mjs',
]

/** A loaded config and where it came from (undefined: no file). */
export interface LoadedConfig {
  config: CliConfig
  path: string | undefined
}

/** Where the config module is, or undefined when there is none. */
export function findConfig(options: {
  config?: string | undefined
  cwd: string
  env: NodeJS.ProcessEnv
}): string | undefined {
  const explicit = options.config ?? (options.env.AGENTLOOP_CONFIG || undefined)
  if (explicit !== undefined) {
    const path = resolve(options.cwd, explicit)
    if (!existsSync(path)) {
      const from = options.config === undefined ? 'AGENTLOOP_CONFIG' : '--config'
      throw new ConfigError({
        message: `${from}: no config file at ${path}. Check the path, or leave it out to use ./agentloop.config.ts.`,
      })
    }
    return path
  }
  for (const name of CONFIG_FILES) {
    const path = resolve(options.cwd, name)
    if (existsSync(path)) return path
  }
  return undefined
}

/**
 * Loads and checks the config module (its default export, or the module itself when it has none);
 * a function export is called with the environment configuration.
 */
export async function loadConfigModule(options: {
  config?: string | undefined
  cwd: string
  env: NodeJS.ProcessEnv
  environment: EnvironmentConfig
}): Promise<LoadedConfig> {
  const path = findConfig(options)
  if (path === undefined) return { config: {}, path: undefined }
  const module = await importModule(path)
  let exported = 'default' in module ? module.default : module
  // A TypeScript file in a folder without "type": "module" is compiled to CommonJS by tsx: its
  // default export then arrives wrapped once more, as `{ default, __esModule }`.
  const wrapped = exported as Record<string, unknown> | null
  if (
    typeof wrapped === 'object' &&
    wrapped !== null &&
    'default' in wrapped &&
    Object.keys(wrapped).every((key) => key === 'default' || key === '__esModule')
  ) {
    exported = wrapped.default
  }
  if (typeof exported === 'function') {
    try {
      exported = await (exported as (environment: EnvironmentConfig) => unknown)(options.environment)
    } catch (error) {
      throw configLoadError(path, error)
    }
  }
  return { config: checkConfig(exported, path), path }
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION')
      throw configLoadError(path, error)
  }
  // Node 20 cannot load TypeScript itself: tsx can, when the project has it.
  let tsx: { tsImport(specifier: string, parent: string): Promise<Record<string, unknown>> }
  try {
    tsx = (await import('tsx/esm/api' as string)) as typeof tsx
  } catch (error) {
    throw new ConfigError({
      message: `${path} is TypeScript, which Node ${process.versions.node} cannot load by itself. Install tsx next to agentloop (npm install -D tsx), or write the config as agentloop.config.js.`,
      cause: error,
    })
  }
  try {
    return await tsx.tsImport(url, import.meta.url)
  } catch (error) {
    throw configLoadError(path, error)
  }
}

function configLoadError(path: string, error: unknown): ConfigError {
  if (error instanceof ConfigError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ConfigError({ message: `Could not load the config module ${path}: ${message}`, cause: error })
}
