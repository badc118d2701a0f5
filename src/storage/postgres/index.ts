/**
 * Storage on PostgreSQL (`pg`): JSONB records, migrations, transactions with compare-and-set, and
 * similarity search in pgvector when the server has it (else cosine computed in JavaScript).
 * Install the optional peer: `npm install pg`.
 *
 * @example
 * import { createPostgresStorage } from 'agentloop/postgres'
 * const storage = createPostgresStorage({ connectionString: process.env.DATABASE_URL })
 *
 * @module
 */
export { createPostgresStorage, type PostgresStorageOptions } from './create-postgres-storage.js'
