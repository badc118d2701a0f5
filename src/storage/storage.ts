import type { AuditRepository } from './audit-repository.js'
import type { KnowledgeRepository } from './knowledge-repository.js'
import type { MemoryRepository } from './memory-repository.js'
import type { RunRepository } from './run-repository.js'
import type { SessionRepository } from './session-repository.js'
import type { TaskRepository } from './task-repository.js'

/**
 * Where agentloop keeps what must outlive a process: runs (checkpoints and event logs), sessions,
 * memory, tasks, knowledge and audit records. Backends: `createMemoryStorage()` (agentloop),
 * `createSqliteStorage` (agentloop/sqlite), `createPostgresStorage` (agentloop/postgres),
 * `createRedisStorage` (agentloop/redis); they all pass the same conformance suite.
 */
export interface Storage {
  /** The backend: `memory`, `sqlite`, `postgres` or `redis`. */
  readonly backend: string
  readonly runs: RunRepository
  readonly sessions: SessionRepository
  readonly memory: MemoryRepository
  readonly tasks: TaskRepository
  readonly knowledge: KnowledgeRepository
  readonly audit: AuditRepository
  /** Releases the connection or file; the storage must not be used afterwards. */
  close(): Promise<void>
}
