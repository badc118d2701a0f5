import pg from 'pg'
import { DATABASE_URL } from './support/services.js'
import { workflowCrashSuite } from './support/workflow-crash-suite.js'

const schema = `workflow_crash_${process.pid}_${Date.now()}`
workflowCrashSuite({
  name: 'postgres',
  service: 'PostgreSQL',
  target: () => `${DATABASE_URL}#${schema}`,
  cleanUp: async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
  },
})
