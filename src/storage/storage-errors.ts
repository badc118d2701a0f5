import { AgentLoopError, type AgentLoopErrorOptions } from '../errors/errors.js'

/** A storage operation failed: the base of the storage errors, also thrown for backend failures. */
export class StorageError extends AgentLoopError {}

/**
 * A compare-and-set failed: the record changed since it was read (another worker saved the run,
 * appended to the branch...). Reload and decide again; never overwrite blindly.
 */
export class StorageConflictError extends StorageError {
  readonly collection: string
  readonly key: string
  readonly expectedRevision: number | null
  readonly actualRevision: number | null
  constructor(
    options: Partial<AgentLoopErrorOptions> & {
      collection: string
      key: string
      expectedRevision: number | null
      actualRevision: number | null
    },
  ) {
    const expected = options.expectedRevision === null ? 'no record' : `revision ${options.expectedRevision}`
    const actual = options.actualRevision === null ? 'no record' : `revision ${options.actualRevision}`
    super({
      message:
        options.message ??
        `${options.collection} "${options.key}" changed concurrently: expected ${expected}, found ${actual}. Load it again and retry.`,
      cause: options.cause,
    })
    this.collection = options.collection
    this.key = options.key
    this.expectedRevision = options.expectedRevision
    this.actualRevision = options.actualRevision
  }
}

/** An operation needs a record that does not exist (editing a message of an unknown session...). */
export class RecordNotFoundError extends StorageError {
  readonly collection: string
  readonly key: string
  constructor(options: { collection: string; key: string; message?: string }) {
    super({ message: options.message ?? `No ${options.collection} "${options.key}" in the store.` })
    this.collection = options.collection
    this.key = options.key
  }
}

/**
 * A stored record failed validation when read back, or was written by a newer format version this
 * version of agentloop cannot read. Nothing is changed; upgrade agentloop or repair the record.
 */
export class StoredDataError extends StorageError {
  readonly collection: string
  readonly key: string
  constructor(options: AgentLoopErrorOptions & { collection: string; key: string }) {
    super(options)
    this.collection = options.collection
    this.key = options.key
  }
}
