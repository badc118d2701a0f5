/**
 * A worker process of the multi-process runner test: PostgreSQL storage, BullMQ queue and Redis bus
 * under the prefixes the test gives, the ledger agent and the sleeper. Prints "ready" once it takes
 * runs; stops gracefully on SIGTERM.
 */
import { startWorker } from '../../src/config/start-worker.js'
import { createBullMqQueue } from '../../src/queue/bullmq-queue.js'
import { createRedisEventBus } from '../../src/queue/redis-event-bus.js'
import { Runtime } from '../../src/run/runtime.js'
import { createPostgresStorage } from '../../src/storage/postgres/create-postgres-storage.js'
import { ledgerAgent, sleeper } from './runner-agent.js'

const [databaseUrl, tablePrefix, redisUrl, prefix, ledger] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
]
const storage = createPostgresStorage({ connectionString: databaseUrl, tablePrefix })
const runtime = new Runtime({
  storage,
  agents: [ledgerAgent(ledger)],
  runnables: [sleeper],
  queue: createBullMqQueue({ url: redisUrl, prefix, lockDurationMs: 2000, stalledIntervalMs: 1000 }),
  bus: createRedisEventBus({ url: redisUrl, prefix }),
  runner: { concurrency: 8, retryDelayMs: 10, worker: false },
})
const worker = await startWorker({ runtime })
process.stdout.write('ready\n')
await worker.stopped
await storage.close()
