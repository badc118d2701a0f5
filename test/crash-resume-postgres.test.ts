import pg from 'pg'
import { crashSuite } from './support/crash-suite.js'
import { DATABASE_URL } from './support/services.js'

const stamp = `${process.pid}_${Date.now()}`
crashSuite({
  name: 'postgres',
  service: 'PostgreSQL',
  target: () => `${DATABASE_URL}#crash_${stamp}`,
  cleanUp: async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS crash_${stamp} CASCADE`)
    await client.end()
  },
})
