import { createStorage } from '../create-storage.js'
import type { Storage } from '../storage.js'
import { createMemoryDriver } from './memory-driver.js'

/**
 * A `Storage` kept in this process's memory: fast, atomic, and gone when the process ends. For
 * tests, development and short-lived workers; use SQLite (`agentloop/sqlite`) to survive a crash.
 */
export function createMemoryStorage(): Storage {
  return createStorage(createMemoryDriver())
}
