import type { JsonObject, JsonValue } from '../util/json.js'

/** Where a task stands. `completed` satisfies dependants; `failed` and `cancelled` never do. */
/** Every task status, in lifecycle order. */
export const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const

export type TaskStatus = (typeof TASK_STATUSES)[number]

/** A unit of work with dependencies, a priority and resumable progress. */
export interface Task {
  id: string
  /** Tasks are listed per namespace (default `default`). */
  namespace: string
  title: string
  /** What the task is about, in more words than the title. */
  description?: string | undefined
  status: TaskStatus
  /** Higher first. Default 0. */
  priority: number
  /** Ids of tasks that must be `completed` first. */
  dependsOn: string[]
  /** Deadline, ms since the epoch. */
  dueAt?: number | undefined
  input?: JsonValue | undefined
  result?: JsonValue | undefined
  /** Progress saved by the worker, to resume from. */
  checkpoint?: JsonValue | undefined
  attempts: number
  lastError?: { name?: string | undefined; message: string } | undefined
  metadata?: JsonObject | undefined
  revision: number
  createdAt: number
  updatedAt: number
}

/** Options of `tasks.create`. */
export interface CreateTaskInput {
  id?: string
  namespace?: string
  title: string
  description?: string
  status?: TaskStatus
  priority?: number
  dependsOn?: readonly string[]
  dueAt?: number
  input?: JsonValue
  metadata?: JsonObject
}

/** Fields `tasks.update` may change. */
export type TaskChanges = Partial<
  Pick<
    Task,
    | 'title'
    | 'description'
    | 'status'
    | 'priority'
    | 'dependsOn'
    | 'dueAt'
    | 'input'
    | 'result'
    | 'checkpoint'
    | 'attempts'
    | 'lastError'
    | 'metadata'
  >
>

/** Tasks with state, dependencies, priority, due date, checkpoint data, attempts and last error. */
export interface TaskRepository {
  create(input: CreateTaskInput): Promise<Task>
  get(id: string): Promise<Task | null>
  /**
   * Changes a task atomically. Given a function, it is called with the current task and retried on
   * concurrent changes (read-modify-write: `(task) => ({ attempts: task.attempts + 1 })`); given
   * `expectedRevision`, a concurrent change fails with `StorageConflictError` instead.
   */
  update(
    id: string,
    changes: TaskChanges | ((task: Task) => TaskChanges),
    options?: { expectedRevision?: number },
  ): Promise<Task>
  /** Tasks of a namespace (default `default`), oldest first. */
  list(options?: { namespace?: string; status?: TaskStatus | readonly TaskStatus[] }): Promise<Task[]>
  /** Pending tasks whose dependencies are all completed: priority first, then earliest due, then oldest. */
  ready(options?: { namespace?: string; limit?: number }): Promise<Task[]>
  delete(id: string): Promise<boolean>
}
