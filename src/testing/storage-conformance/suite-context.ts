import type { Storage } from '../../storage/storage.js'
import type { JsonValue } from '../../util/json.js'

/** The part of vitest (or a compatible runner) the suite registers tests with. */
export interface TestApi {
  describe(name: string, body: () => void): void
  it: {
    (name: string, body: () => Promise<void> | void, timeout?: number): void
    skip?: (name: string, body: () => Promise<void> | void) => void
  }
}

/** One read of a fixture: `call` is `repository.method`, its result must deep-equal `expect`. */
export interface StorageFixtureRead {
  call: string
  args: JsonValue[]
  expect: JsonValue
}

/** Raw stored records of one format version, and what the repositories must read from them. */
export interface StorageFixture {
  /** A name for the test (the file name). */
  name: string
  formatVersion: number
  records: {
    collection: string
    key: string
    group: string
    order: number
    revision: number
    createdAt: number
    updatedAt: number
    expiresAt: number | null
    data: { [key: string]: JsonValue }
  }[]
  reads: StorageFixtureRead[]
}

/** What each group of tests gets: `it` hands the test a fresh storage and closes it afterwards. */
export interface SuiteContext {
  it(name: string, body: (storage: Storage) => Promise<void>): void
  describe(name: string, body: () => void): void
  fixtures: readonly StorageFixture[]
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Asserts that a promise rejects with an error of the given class (by name, so copies of the class match). */
export async function rejectsWith(promise: Promise<unknown>, name: string, pattern?: RegExp): Promise<Error> {
  try {
    await promise
  } catch (error) {
    if (!(error instanceof Error) || error.name !== name) {
      throw new Error(
        `expected a ${name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      )
    }
    if (pattern !== undefined && !pattern.test(error.message)) {
      throw new Error(`expected the ${name} message to match ${pattern}, got: ${error.message}`)
    }
    return error
  }
  throw new Error(`expected a ${name}, but the call succeeded`)
}
