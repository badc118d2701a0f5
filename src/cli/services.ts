/**
 * What the commands stand on, opened once per command: the config, the storage, the runtime (with
 * the config's agents, and circuit breakers around model references) and the operations the
 * commands call. Commands call only these functions, so where an operation comes from (the
 * runtime, the runner's queue, the server's key store) is decided here, in one place.
 *
 * @module
 */
import { resolve } from 'node:path'
import type { Agent } from '../agent/agent.js'
import {
  type AgentLoopConfig as EnvironmentConfig,
  loadConfig as loadEnvironment,
} from '../config/load-config.js'
import { createBusFromConfig, createQueueFromConfig } from '../config/runtime-from-config.js'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import { type CircuitBreakers, createCircuitBreakers } from '../model/circuit-breakers.js'
import { createModelRegistry } from '../model/model-registry.js'
import type { RunResult } from '../run/run-result.js'
import type { RunStream } from '../run/run-stream.js'
import { Runtime } from '../run/runtime.js'
import { createSpend, type Spend } from '../server/spend.js'
import type { Storage } from '../storage/storage.js'
import { createToolRegistry } from '../tool/tool-registry.js'
import { type CliConfig, RUNTIME_KEYS } from './config.js'
import { NotFoundError } from './exit-codes.js'
import { loadConfigModule } from './load-config.js'
import { chooseStorage, type StorageChoice } from './open-storage.js'

/** Options every command shares (global flags and the process around it). */
export interface ServiceOptions {
  config?: string | undefined
  db?: string | undefined
  cwd: string
  env: NodeJS.ProcessEnv
  /**
   * Whether this process executes queued runs: `false` for one-shot commands, `true` for
   * `worker`, undefined for `serve` (the runner's default: yes with the in-process queue, no with
   * a shared one, where workers do).
   */
  worker?: boolean | undefined
  /** Runs a worker executes at once (`--concurrency`), over `AGENTLOOP_CONCURRENCY`. */
  concurrency?: number | undefined
}

/** An approval decision as the command line gives it. */
export interface CliDecision {
  callId: string
  approve: boolean
  message?: string
}

/** What the commands use. */
export interface CliServices {
  /** The environment of the command. */
  readonly env: NodeJS.ProcessEnv
  /** The environment as `agentloop/config` reads it (DATABASE_URL, REDIS_URL, PORT...). */
  readonly environment: EnvironmentConfig
  readonly config: CliConfig
  readonly configPath: string | undefined
  readonly storageChoice: StorageChoice
  readonly storage: Storage
  readonly runtime: Runtime
  readonly breakers: CircuitBreakers | undefined
  /** Usage recording and budgets of this runtime (the server's `spend`). */
  readonly spend: Spend
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agent(name: string): Agent<any, any>
  /** Starts a run of a registered agent and streams its events. */
  startRun(
    agentName: string,
    input: string,
    options: { sessionId?: string; signal?: AbortSignal },
  ): RunStream<unknown>
  /** Continues a stored run (with decisions, for approvals) and streams its events. */
  resumeRun(
    runId: string,
    options: { approvals?: CliDecision[]; signal?: AbortSignal },
  ): {
    events: AsyncIterable<RunEvent>
    result: Promise<RunResult<unknown>>
  }
  /** Cancels a run wherever it runs; resolves the status it has now and the one it had. */
  cancelRun(runId: string): Promise<{ runId: string; status: string; before: string }>
  close(): Promise<void>
}

/** How long `runs cancel` waits for a run executing elsewhere to stop. */
const CANCEL_WAIT_MS = 5_000

/** Opens the services of one command. */
export async function openServices(options: ServiceOptions): Promise<CliServices> {
  // One reading of the environment (and .env) for every command: agentloop/config's.
  const environment = loadEnvironment({
    env: options.env,
    envFile: resolve(options.cwd, '.env') === resolve('.env') ? undefined : resolve(options.cwd, '.env'),
  })
  const loaded = await loadConfigModule({ ...options, environment })
  const config = loaded.config
  const storageChoice = chooseStorage({ config, db: options.db, cwd: options.cwd, environment })
  const breakers =
    config.circuitBreakers === false ? undefined : createCircuitBreakers(config.circuitBreakers ?? {})
  const storage = await storageChoice.open()
  let runtime: Runtime
  let resolver: Promise<(name: string) => Promise<Agent<unknown, unknown> | undefined>> | undefined
  const storedAgents = (name: string) => {
    resolver ??= import('../server/stored-agents.js').then(({ createStoredAgentResolver }) => {
      const secret = (config.server as { secret?: unknown } | undefined)?.secret
      return createStoredAgentResolver({
        runtime,
        ...(config.tools === undefined ? {} : { tools: createToolRegistry([...config.tools]) }),
        ...(typeof secret === 'string' ? { secret } : {}),
      })
    })
    return resolver.then((resolve) => resolve(name))
  }
  let spend: Spend
  try {
    // Every process that runs models (serve, worker, run) records usage and checks budgets.
    spend = createSpend({ storage, ...(config.prices === undefined ? {} : { prices: config.prices }) })
    const runtimeOptions: Record<string, unknown> = {}
    for (const key of RUNTIME_KEYS) if (config[key] !== undefined) runtimeOptions[key] = config[key]
    const hooks =
      config.hooks === undefined ? [] : Array.isArray(config.hooks) ? config.hooks : [config.hooks]
    runtime = new Runtime({
      ...runtimeOptions,
      // Agents stored as data by `agentloop serve` (POST /api/agents), found in the shared storage
      // when a queued or orphaned run names one: a worker runs them like the config's agents.
      resolveRunnable: (name) => storedAgents(name),
      hooks: [spend.hooks, ...hooks],
      observers: [spend],
      storage,
      agents: config.agents ?? [],
      // The queue and bus the environment names: Redis (shared by serve and workers) or in-process.
      ...(environment.queue === 'memory' ? {} : { queue: await createQueueFromConfig(environment) }),
      ...(environment.bus === 'memory' ? {} : { bus: await createBusFromConfig(environment) }),
      runner: {
        concurrency: environment.concurrency,
        retries: environment.retries,
        timeoutMs: environment.runTimeoutMs,
        orphanAfterMs: environment.orphanAfterMs,
        ...config.runner,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        // Only `serve` and `worker` execute queued runs; other commands must never pick up a run
        // another process is executing.
        ...(options.worker === undefined ? {} : { worker: options.worker }),
      },
      models: createModelRegistry({
        ...(config.models === undefined ? {} : { providers: config.models }),
        ...(breakers === undefined ? {} : { wrap: breakers.wrap }),
      }),
    })
  } catch (error) {
    await storage.close()
    throw error
  }
  const agents = new Map((config.agents ?? []).map((agent) => [agent.name, agent]))

  const services: CliServices = {
    env: options.env,
    environment,
    config,
    configPath: loaded.path,
    storageChoice,
    storage,
    runtime,
    breakers,
    spend,
    agent(name) {
      const agent = agents.get(name)
      if (agent === undefined) {
        const known = [...agents.keys()]
        throw new NotFoundError({
          message: `No agent named "${name}". ${known.length === 0 ? `No agents are registered: ${loaded.path === undefined ? 'create agentloop.config.ts (see docs/cli.md)' : `${loaded.path} registers none`}.` : `Registered agents: ${known.join(', ')}.`}`,
        })
      }
      return agent
    },
    startRun(agentName, input, runOptions) {
      const agent = services.agent(agentName)
      return runtime.stream(agent, input, {
        ...(runOptions.sessionId === undefined ? {} : { session: runOptions.sessionId }),
        ...(runOptions.signal === undefined ? {} : { signal: runOptions.signal }),
      })
    },
    resumeRun(runId, resumeOptions) {
      return resumeWithEvents(services, runId, resumeOptions)
    },
    async cancelRun(runId) {
      const record = await storage.runs.get(runId)
      if (record === null)
        throw new NotFoundError({ message: `No run "${runId}" in ${storageChoice.where}.` })
      const before = await runtime.cancel(runId)
      if (before !== 'running') {
        const after = await storage.runs.get(runId)
        return { runId, status: after?.status ?? before, before }
      }
      // The run executes in another process: the request reaches it through the event bus, and
      // its worker stops it at the next step. Wait a little for the stored status to say so.
      const deadline = Date.now() + CANCEL_WAIT_MS
      for (;;) {
        const after = await storage.runs.get(runId)
        if (after !== null && after.status !== 'running') return { runId, status: after.status, before }
        if (Date.now() >= deadline) {
          throw new ConfigError({
            message: `Run "${runId}" is still running in another process ${CANCEL_WAIT_MS / 1000} s after the cancel request. Without REDIS_URL the request cannot reach another process: cancel it through the server that runs it (POST /api/runs/${runId}/cancel), or stop that process (the run stays at its last checkpoint).`,
          })
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async close() {
      try {
        await spend.flush()
        await runtime.close({ graceMs: 0 })
      } finally {
        await storage.close()
      }
    },
  }
  return services
}

/**
 * Resumes a run and streams the events it logs from here on. The runtime's `resume` resolves the
 * result; its events are read back from the stored log as they are saved.
 */
function resumeWithEvents(
  services: CliServices,
  runId: string,
  options: { approvals?: CliDecision[]; signal?: AbortSignal },
): { events: AsyncIterable<RunEvent>; result: Promise<RunResult<unknown>> } {
  const { storage, runtime } = services
  const start = storage.runs.get(runId).then(async (record) => {
    if (record === null)
      throw new NotFoundError({ message: `No run "${runId}" in ${services.storageChoice.where}.` })
    return storage.runs.lastEventSeq(runId)
  })
  const result = start.then(() =>
    runtime.resume(runId, {
      ...(options.approvals === undefined ? {} : { approvals: options.approvals }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }),
  )
  result.catch(() => {})
  async function* events(): AsyncGenerator<RunEvent> {
    let after = await start
    let done = false
    result.then(
      () => (done = true),
      () => (done = true),
    )
    for (;;) {
      const finished = done
      const batch = await storage.runs.readEvents(runId, { afterSeq: after })
      for (const event of batch) {
        after = event.seq
        yield event
      }
      if (finished) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  return { events: events(), result }
}
