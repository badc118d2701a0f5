import pg from 'pg'
import { DATABASE_URL } from './support/services.js'
import { workflowCrashSuite } from './support/workflow-crash-suite.js'

const schema = `workflow_crash_${process.pid}_${Date.now()}`
workflowCrashSuite({
  name: 'postgres',
  service: 'PostgreSQL',
  target: (_dir, point) => `${DATABASE_URL}#${schema}_${point}`,
  cleanUp: async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    const { rows } = await client.query<{ name: string }>(
      'SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE $1',
      [`${schema}_%`],
    )
    for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`)
    await client.end()
  },
})
