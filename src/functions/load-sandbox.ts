/**
 * Code mode's sandbox when none is given: `runInSandbox` of `agentloop/sandbox`, loaded on first
 * use when the optional peer `quickjs-emscripten` is installed. `agentloop/functions` never imports
 * the sandbox statically (it is a layer below it, and the root import must load no optional
 * peer); the subpath is loaded by its public name, as the model registry loads providers.
 *
 * @module
 */
import { createRequire } from 'node:module'
import { errorMessage } from '../errors/describe-error.js'
import { ConfigError } from '../errors/errors.js'
import type { SandboxRunner } from './function-defaults.js'

/** The package code mode needs, and the command that installs it. */
export const SANDBOX_PEER = 'quickjs-emscripten'
const INSTALL = `npm install ${SANDBOX_PEER}`

/** How the sandbox is found; replaceable in tests (a missing peer cannot be uninstalled there). */
export interface SandboxLoader {
  /** Throws when the peer cannot be resolved. */
  resolvePeer(): void
  /** Imports `agentloop/sandbox`. */
  importSandbox(): Promise<{ runInSandbox?: unknown }>
}

const defaultLoader: SandboxLoader = {
  resolvePeer() {
    createRequire(import.meta.url).resolve(SANDBOX_PEER)
  },
  importSandbox() {
    // A variable specifier: tsc and bundlers must not follow it into the sandbox's layer.
    const specifier = 'agentloop/sandbox'
    return import(specifier) as Promise<{ runInSandbox?: unknown }>
  },
}

let loaded: Promise<SandboxRunner> | undefined

/**
 * Loads `runInSandbox` once. Rejects with a `ConfigError` naming the package to install when
 * `quickjs-emscripten` is missing, or what went wrong when the sandbox fails to load.
 */
export function loadSandbox(label: string, loader: SandboxLoader = defaultLoader): Promise<SandboxRunner> {
  if (loader === defaultLoader && loaded !== undefined) return loaded
  const loading = (async () => {
    try {
      loader.resolvePeer()
    } catch (error) {
      throw new ConfigError({
        message: `${label}: mode 'code' runs the model's JavaScript in the QuickJS sandbox, which needs the optional package ${SANDBOX_PEER}: run \`${INSTALL}\` (or pass your own sandbox runner as sandbox).`,
        cause: error,
      })
    }
    let module: { runInSandbox?: unknown }
    try {
      module = await loader.importSandbox()
    } catch (error) {
      throw new ConfigError({
        message: `${label}: could not load agentloop/sandbox for mode 'code': ${errorMessage(error)}. Check that ${SANDBOX_PEER} is installed (\`${INSTALL}\`).`,
        cause: error,
      })
    }
    if (typeof module.runInSandbox !== 'function') {
      throw new ConfigError({ message: `${label}: agentloop/sandbox has no runInSandbox().` })
    }
    return module.runInSandbox as SandboxRunner
  })()
  if (loader === defaultLoader) {
    loaded = loading
    // A failed load is not remembered: installing the package is enough, without a restart.
    loading.catch(() => {
      loaded = undefined
    })
  }
  return loading
}
