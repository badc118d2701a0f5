/**
 * Finding the runnable a queued, resumed or orphaned run names: the runtime's registry first, then
 * the runtime's `resolveRunnable` option for names this process does not have (a worker process
 * running a server's agents stored as data). What the resolver returns is registered; a name it
 * resolved is asked for again on each later run, so a changed definition replaces the registered
 * one (runs already started keep theirs).
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import {
  classifyRunnable,
  type RegisteredRunnable,
  type RunnableInput,
  type RunnableRegistry,
} from './runnable.js'

/** The `resolveRunnable` runtime option: the runnable named `name`, or undefined when there is none. */
export type RunnableResolver = (
  name: string,
) => RunnableInput | undefined | Promise<RunnableInput | undefined>

/** Looks a runnable up by name. */
export type FindRunnable = (name: string) => Promise<RegisteredRunnable | undefined>

/** The object a registered runnable stands for (what tells two definitions apart). */
function definitionOf(entry: RegisteredRunnable): unknown {
  return entry.kind === 'agent' ? entry.agent : entry.kind === 'steps' ? entry.job : entry.runnable
}

/** See the module comment. */
export function createRunnableFinder(
  registry: RunnableRegistry,
  resolve: RunnableResolver | undefined,
): FindRunnable {
  if (resolve === undefined) return async (name) => registry.get(name)
  const resolved = new Set<string>()
  return async (name) => {
    const registered = registry.get(name)
    if (registered !== undefined && !resolved.has(name)) return registered
    const found = await resolve(name)
    if (found === undefined || found === null) return registered
    const entry = classifyRunnable(found, 'resolveRunnable')
    if (entry.name !== name) {
      throw new ConfigError({
        message: `resolveRunnable("${name}") returned a runnable named "${entry.name}"; it must return the runnable of that name, or undefined.`,
      })
    }
    if (registered !== undefined && definitionOf(registered) === definitionOf(entry)) return registered
    if (registered !== undefined) registry.unregister(name)
    registry.register(found)
    resolved.add(name)
    return registry.get(name)
  }
}
