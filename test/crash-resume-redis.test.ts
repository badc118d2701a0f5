import { Redis } from 'ioredis'
import { crashSuite } from './support/crash-suite.js'
import { REDIS_URL } from './support/services.js'

const stamp = `${process.pid}_${Date.now()}`
crashSuite({
  name: 'redis',
  service: 'Redis',
  target: () => `${REDIS_URL}#crash:${stamp}:`,
  cleanUp: async () => {
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`crash:${stamp}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  },
})
