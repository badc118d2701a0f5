/**
 * The worker process of the SSE-across-processes test: PostgreSQL storage, the BullMQ queue and the
 * Redis event bus under the prefixes the test gives, and the `talker` agent. Prints "ready" once it
 * takes runs; stops gracefully on SIGTERM.
 */
import { Runtime } from 'agentloop'
import { startWorker } from 'agentloop/config'
import { createPostgresStorage } from 'agentloop/postgres'
import { createBullMqQueue, createRedisEventBus } from 'agentloop/redis'
import { talker } from './sse-talker.js'

const [databaseUrl, tablePrefix, redisUrl, prefix] = process.argv.slice(2) as [string, string, string, string]
const storage = createPostgresStorage({ connectionString: databaseUrl, tablePrefix })
const runtime = new Runtime({
  storage,
  agents: [talker()],
  queue: createBullMqQueue({ url: redisUrl, prefix }),
  bus: createRedisEventBus({ url: redisUrl, prefix }),
  runner: { worker: false },
})
const worker = await startWorker({ runtime })
process.stdout.write('ready\n')
await worker.stopped
await storage.close()
