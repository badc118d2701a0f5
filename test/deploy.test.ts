import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createMemoryStorage, Runtime } from 'agentloop'
import { runCli } from 'agentloop/cli'
import { createServer } from 'agentloop/server'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments, parseDocument } from 'yaml'
import { root } from './support/build.js'

// The deployment files cannot run here (no Docker, no cluster). What can be checked is checked:
// they parse, they wire the services together as docs/deploy.md says, every agentloop command
// they start is a valid command line, and the probes name the server's health routes.

type Json = Record<string, unknown>

const compose = parseDocument(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true })
const manifests = readdirSync(join(root, 'deploy/kubernetes'))
  .filter((name) => name.endsWith('.yaml'))
  .flatMap((name) =>
    parseAllDocuments(readFileSync(join(root, 'deploy/kubernetes', name), 'utf8')).map((document) => {
      expect(document.errors, name).toEqual([])
      return { file: name, manifest: document.toJS() as Json }
    }),
  )
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')

/** The help of `agentloop <args> --help`, or the exit code when the command line is invalid. */
async function helpOf(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk))
        done()
      },
    })
  const code = await runCli([...args, '--help'], {
    streams: { stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) },
    env: {},
    cwd: root,
    signal: new AbortController().signal,
    readStdin: async () => '',
  })
  return { code, stdout, stderr }
}

async function expectValidCommand(args: readonly string[], where: string): Promise<void> {
  const { code, stdout, stderr } = await helpOf(args)
  expect(stderr, where).toBe('')
  expect(code, where).toBe(0)
  expect(stdout, where).toContain(`Usage: agentloop ${args[0]}`)
}

describe('compose.yaml', () => {
  const services = (compose.toJS() as { services: Record<string, Json> }).services

  it('parses, and runs the server, workers, PostgreSQL with pgvector and Redis', () => {
    expect(compose.errors).toEqual([])
    expect(Object.keys(services).sort()).toEqual(['migrate', 'postgres', 'redis', 'server', 'worker'])
    expect(services.postgres?.image).toMatch(/^pgvector\/pgvector:pg\d+$/)
    expect(services.redis?.image).toMatch(/^redis:\d/)
    expect((services.worker?.deploy as Json | undefined)?.replicas).toBeGreaterThanOrEqual(2)
  })

  it('points the server, the workers and the migration at the same PostgreSQL and Redis', () => {
    for (const name of ['server', 'worker', 'migrate']) {
      const environment = services[name]?.environment as Record<string, string>
      expect(environment.DATABASE_URL, name).toMatch(/^postgres:\/\/agentloop:.+@postgres:5432\/agentloop$/)
      expect(environment.REDIS_URL, name).toBe('redis://redis:6379')
      expect(environment.AGENTLOOP_SECRET, name).toBeDefined()
    }
    const server = services.server as { environment: Record<string, string>; ports: string[] }
    expect(server.ports).toEqual([`${server.environment.PORT}:${server.environment.PORT}`])
    expect(server.environment.HOST).toBe('0.0.0.0')
    // The server and workers wait for the schema; the schema waits for the database.
    expect(services.server?.depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
    })
    expect(services.worker?.depends_on).toMatchObject({
      migrate: { condition: 'service_completed_successfully' },
    })
    expect(services.migrate?.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } })
  })

  it('starts only valid agentloop command lines', async () => {
    for (const name of ['server', 'worker', 'migrate']) {
      await expectValidCommand(services[name]?.command as string[], `compose service ${name}`)
    }
  })
})

describe('Dockerfile', () => {
  it('runs `agentloop serve` on the port it exposes, and installs the peers the server, worker and backends load', async () => {
    expect(dockerfile).toContain('ENTRYPOINT ["agentloop"]')
    expect(dockerfile).toContain('CMD ["serve"]')
    const exposed = /^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]
    expect(dockerfile).toMatch(new RegExp(`PORT=${exposed}\\b`))
    expect(dockerfile).toContain(`/health/live`)
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>
    }
    const install = /npm install --omit=dev[^\n]*\n([^&]*)/.exec(dockerfile)?.[1] ?? ''
    const pinned = [...install.matchAll(/(@?[a-z0-9./-]+)@(\d+)/g)].map(
      (match) => [match[1], match[2]] as const,
    )
    for (const peer of [
      'commander',
      'hono',
      '@hono/node-server',
      'pino',
      'better-sqlite3',
      'pg',
      'ioredis',
      'bullmq',
      'zod',
    ]) {
      expect(pinned.map(([name]) => name)).toContain(peer)
    }
    // Each pinned major is the one this repository is tested with.
    for (const [name, major] of pinned) {
      const tested = manifest.devDependencies[name as string]
      expect(tested, name).toBeDefined()
      expect(tested?.replace(/^\^/, '').split('.')[0], name).toBe(major)
    }
    await expectValidCommand(['serve'], 'Dockerfile CMD')
  })
})

/** The health paths the server serves, read from a real server's OpenAPI document and answered. */
async function servedHealthPaths(paths: string[]): Promise<Record<string, number>> {
  const server = createServer({ runtime: new Runtime({ storage: createMemoryStorage() }), auth: 'none' })
  const listening = await server.listen(0)
  try {
    const document = (await (await fetch(`${listening.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>
    }
    const statuses: Record<string, number> = {}
    for (const path of paths) {
      expect(Object.keys(document.paths), path).toContain(path)
      statuses[path] = (await fetch(`${listening.url}${path}`)).status
    }
    return statuses
  } finally {
    await listening.close()
  }
}

describe('Kubernetes manifests', () => {
  const deployments = manifests.filter(({ manifest }) => manifest.kind === 'Deployment')
  type Container = {
    args: string[]
    ports?: { name: string; containerPort: number }[]
    envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[]
    livenessProbe?: { httpGet: { path: string; port: string } }
    readinessProbe?: { httpGet: { path: string; port: string } }
    startupProbe?: { httpGet: { path: string; port: string } }
  }
  const containersOf = (manifest: Json) =>
    ((manifest.spec as Json).template as { spec: { containers: Container[] } }).spec.containers

  it('parse into named objects; each Deployment selects its own pods', () => {
    expect(manifests.map(({ manifest }) => manifest.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Deployment',
      'Job',
      'Secret',
      'Service',
    ])
    for (const { file, manifest } of manifests) {
      expect(manifest.apiVersion, file).toBeTypeOf('string')
      expect((manifest.metadata as Json).name, file).toBeTypeOf('string')
    }
    for (const { manifest } of deployments) {
      const spec = manifest.spec as {
        selector: { matchLabels: Json }
        template: { metadata: { labels: Json } }
      }
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels)
    }
  })

  it('probe the server on /health/live (liveness, startup) and /health/ready (readiness), on its named port', () => {
    const server = deployments.find(({ manifest }) => (manifest.metadata as Json).name === 'agentloop-server')
    const [container] = containersOf(server?.manifest as Json)
    expect(container?.livenessProbe?.httpGet.path).toBe('/health/live')
    expect(container?.startupProbe?.httpGet.path).toBe('/health/live')
    expect(container?.readinessProbe?.httpGet.path).toBe('/health/ready')
    const ports = (container?.ports ?? []).map((port) => port.name)
    for (const probe of [container?.livenessProbe, container?.readinessProbe, container?.startupProbe]) {
      expect(ports).toContain(probe?.httpGet.port)
    }
    const service = manifests.find(({ manifest }) => manifest.kind === 'Service')?.manifest as {
      spec: { ports: { targetPort: string }[] }
    }
    expect(ports).toContain(service.spec.ports[0]?.targetPort)
  })

  it("probe paths (and the image's and compose's health checks) are routes a real server answers with 200", async () => {
    const probed = new Set<string>()
    for (const { manifest } of deployments)
      for (const container of containersOf(manifest))
        for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe])
          if (probe !== undefined) probed.add(probe.httpGet.path)
    const checked = readFileSync(join(root, 'compose.yaml'), 'utf8') + dockerfile
    for (const match of checked.matchAll(/127\.0\.0\.1:[^/]+(\/health[a-z/]*)/g))
      probed.add(match[1] as string)
    expect([...probed].sort()).toEqual(['/health/live', '/health/ready'])
    expect(await servedHealthPaths([...probed])).toEqual({ '/health/live': 200, '/health/ready': 200 })
  })

  it('read their settings from the ConfigMap and Secret defined beside them, and start valid command lines', async () => {
    const defined = new Set(
      manifests
        .filter(({ manifest }) => manifest.kind === 'ConfigMap' || manifest.kind === 'Secret')
        .map(({ manifest }) => `${manifest.kind}/${(manifest.metadata as Json).name}`),
    )
    const workloads = manifests.filter(
      ({ manifest }) => manifest.kind === 'Deployment' || manifest.kind === 'Job',
    )
    expect(workloads).toHaveLength(3)
    for (const { file, manifest } of workloads) {
      for (const container of containersOf(manifest)) {
        for (const source of container.envFrom) {
          const reference = source.configMapRef
            ? `ConfigMap/${source.configMapRef.name}`
            : `Secret/${source.secretRef?.name}`
          expect(defined, file).toContain(reference)
        }
        await expectValidCommand(container.args, `${file} ${container.args.join(' ')}`)
      }
    }
    const secret = manifests.find(({ manifest }) => manifest.kind === 'Secret')?.manifest as {
      stringData: Json
    }
    expect(secret.stringData.DATABASE_URL).toMatch(/^postgres:\/\//)
  })
})
