/**
 * Loads an optional peer dependency (a provider SDK or a database driver) for the subpath that needs
 * it. Missing, it becomes a `ConfigError` with the one `npm install` command to run, instead of
 * Node's raw `ERR_MODULE_NOT_FOUND` from deep inside the package.
 *
 * @module
 */
import { ConfigError } from './errors.js'

/** Which package a subpath needs, for the message. */
export interface OptionalPeer {
  /** The npm package, e.g. `pg`. */
  packageName: string
  /** The agentloop subpath that needs it, e.g. `agentloop/postgres`. */
  subpath: string
}

/**
 * Runs `load` (a literal `() => import('pg')`, so bundlers keep it external) and returns the
 * module; when the package itself is not installed, throws a `ConfigError` naming it. Other
 * failures (a broken install, a missing transitive dependency) pass through unchanged.
 */
export async function importOptionalPeer<TModule>(
  load: () => Promise<TModule>,
  peer: OptionalPeer,
): Promise<TModule> {
  try {
    return await load()
  } catch (error) {
    if (isMissingPackage(error, peer.packageName)) {
      throw new ConfigError({
        message: `${peer.subpath} needs the optional package "${peer.packageName}", which is not installed. Install it next to agentloop: npm install ${peer.packageName}`,
        cause: error,
      })
    }
    throw error
  }
}

/** True for Node's "Cannot find package 'name'" (ESM) or "Cannot find module 'name'" (CommonJS). */
export function isMissingPackage(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  const message = error instanceof Error ? error.message : String(error)
  return message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`)
}
