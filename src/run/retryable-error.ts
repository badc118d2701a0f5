/**
 * Which failures of a submitted run the runner retries from its last checkpoint: not a decision,
 * a limit or a cancellation, and not a conflict that means another process took the run over.
 *
 * @module
 */
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import { readableError } from '../errors/describe-error.js'
import {
  ConfigError,
  ContextBudgetError,
  MaxRetriesExceededError,
  MaxTurnsExceededError,
  ModelError,
  RunCancelledError,
  RunTimeoutError,
  ValidationFailedError,
} from '../errors/errors.js'
import { StorageConflictError } from '../storage/storage-errors.js'

/** Whether a failure may be retried from the last checkpoint: not a decision, a limit or a cancellation. */
export function isRetryable(caught: unknown): boolean {
  const error = readableError(caught)
  if (error instanceof ModelError) return error.isRetryable
  if (
    error instanceof RunCancelledError ||
    error instanceof RunTimeoutError ||
    error instanceof ConfigError ||
    error instanceof MaxTurnsExceededError ||
    error instanceof ValidationFailedError ||
    error instanceof ContextBudgetError ||
    error instanceof BudgetExceededError ||
    error instanceof MaxRetriesExceededError ||
    error instanceof StorageConflictError
  ) {
    return false
  }
  return true
}

/** A failure because another process took the run over: the run goes on there. */
export function ownedElsewhere(error: unknown): boolean {
  return (
    error instanceof StorageConflictError ||
    (error instanceof ConfigError && error.cause instanceof StorageConflictError)
  )
}
