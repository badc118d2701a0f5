/**
 * The conformance suite every storage backend passes: the same tests on memory, SQLite,
 * PostgreSQL and Redis (and on your own backend). It registers vitest tests; vitest is loaded
 * only when the suite is called without its own `describe` / `it`.
 *
 * @example
 * // my-storage.test.ts
 * import { storageConformance } from 'agentloop/testing'
 * await storageConformance({ name: 'my backend', create: () => createMyStorage() })
 *
 * @module
 */
import type { Storage } from '../storage/storage.js'
import { auditTests } from './storage-conformance/audit-tests.js'
import { driverTests } from './storage-conformance/driver-tests.js'
import { fixtureTests } from './storage-conformance/fixture-tests.js'
import { generalTests } from './storage-conformance/general-tests.js'
import { groupCollectionTests } from './storage-conformance/group-collection-tests.js'
import { knowledgeTests } from './storage-conformance/knowledge-tests.js'
import { listingTests } from './storage-conformance/listing-tests.js'
import { memoryTests } from './storage-conformance/memory-tests.js'
import { retentionTests } from './storage-conformance/retention-tests.js'
import { runTests } from './storage-conformance/run-tests.js'
import { sessionTests } from './storage-conformance/session-tests.js'
import type { StorageFixture, SuiteContext, TestApi } from './storage-conformance/suite-context.js'
import { taskTests } from './storage-conformance/task-tests.js'

export type { StorageFixture, StorageFixtureRead, TestApi } from './storage-conformance/suite-context.js'

/** Options of {@link storageConformance}. */
export interface StorageConformanceOptions {
  /** Shown in the test names. */
  name: string
  /** A fresh, empty storage; called once per test and closed after it. */
  create: () => Storage | Promise<Storage>
  /** Stored records of each format version, read back through the repositories. */
  fixtures?: readonly StorageFixture[]
  /** When set, the suite registers one skipped test saying why (a service is unreachable...). */
  skip?: string
  /** `describe` and `it` to register with; default: vitest's, imported on demand. */
  test?: TestApi
  /** Per-test timeout in ms (default 30 000). */
  timeoutMs?: number
}

/** Registers the storage conformance tests for one backend. */
export async function storageConformance(options: StorageConformanceOptions): Promise<void> {
  const api: TestApi = options.test ?? ((await import('vitest')) as unknown as TestApi)
  const timeout = options.timeoutMs ?? 30_000
  api.describe(`storage conformance: ${options.name}`, () => {
    if (options.skip !== undefined) {
      // a runner without it.skip gets a warning, never a passing test that checked nothing
      if (api.it.skip !== undefined) api.it.skip(`skipped: ${options.skip}`, () => {})
      else console.warn(`storage conformance: ${options.name} skipped: ${options.skip}`)
      return
    }
    const context: SuiteContext = {
      it(name, body) {
        api.it(
          name,
          async () => {
            const storage = await options.create()
            try {
              await body(storage)
            } finally {
              await storage.close()
            }
          },
          timeout,
        )
      },
      describe: (name, body) => api.describe(name, body),
      fixtures: options.fixtures ?? [],
    }
    runTests(context)
    retentionTests(context)
    sessionTests(context)
    memoryTests(context)
    taskTests(context)
    knowledgeTests(context)
    auditTests(context)
    generalTests(context)
    driverTests(context)
    groupCollectionTests(context)
    listingTests(context)
    fixtureTests(context)
  })
}
