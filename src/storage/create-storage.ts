import { createAuditRepository } from './repositories/create-audit-repository.js'
import { createKnowledgeRepository } from './repositories/create-knowledge-repository.js'
import { createMemoryRepository } from './repositories/create-memory-repository.js'
import { createRunRepository } from './repositories/create-run-repository.js'
import { createSessionRepository } from './repositories/create-session-repository.js'
import { createTaskRepository } from './repositories/create-task-repository.js'
import type { Storage } from './storage.js'
import type { StoreDriver } from './store-driver.js'

const drivers = new WeakMap<Storage, StoreDriver>()

/**
 * A `Storage` over a store driver: the repositories are written once, on the driver's records and
 * atomic batches. Backends call it with their own driver.
 */
export function createStorage(driver: StoreDriver): Storage {
  let closed: Promise<void> | undefined
  const storage: Storage = {
    backend: driver.name,
    runs: createRunRepository(driver),
    sessions: createSessionRepository(driver),
    memory: createMemoryRepository(driver),
    tasks: createTaskRepository(driver),
    knowledge: createKnowledgeRepository(driver),
    audit: createAuditRepository(driver),
    close() {
      closed ??= driver.close()
      return closed
    },
  }
  drivers.set(storage, driver)
  return storage
}

/** The driver under a storage made by `createStorage` (for tests and fixtures); undefined otherwise. */
export function storageDriverOf(storage: Storage): StoreDriver | undefined {
  return drivers.get(storage)
}
