import { createConnection } from 'node:net'

/** Where the test services are: DATABASE_URL / REDIS_URL, or the local defaults. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || defaultPort) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1500, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * Whether to skip the tests of a service: undefined when it is reachable; a message saying how to
 * enable them when it is not. With CI=true an unreachable service is an error: CI must run them.
 */
export async function serviceSkipReason(service: 'PostgreSQL' | 'Redis'): Promise<string | undefined> {
  const [url, port, variable] =
    service === 'PostgreSQL' ? [DATABASE_URL, 5432, 'DATABASE_URL'] : [REDIS_URL, 6379, 'REDIS_URL']
  if (await reachable(url, port)) return undefined
  const where = new URL(url)
  const message = `${service} is not reachable at ${where.hostname}:${where.port || port}; start it or set ${variable} to run these tests`
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true requires them)`)
  console.warn(`skipping the ${service} tests: ${message}`)
  return message
}
