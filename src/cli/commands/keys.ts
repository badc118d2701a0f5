/**
 * `agentloop keys create|list|revoke`: the API keys of the server, kept hashed in the storage. A
 * new key is printed once, on stdout; nothing else ever prints a key's secret.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { CommandContext } from '../command-context.js'
import { EXIT, type ExitCode, NotFoundError } from '../exit-codes.js'
import { type CliKeyInfo, openKeyStore } from '../system.js'

const SCOPES = ['read', 'run', 'admin']

/** Options of `agentloop keys create`. */
export interface CreateKeyCommandOptions {
  owner?: string
  scope?: string[]
  name?: string
  expiresIn?: number
}

/** Creates a key and prints it once. */
export async function createKeyCommand(
  context: CommandContext,
  options: CreateKeyCommandOptions,
): Promise<ExitCode> {
  for (const scope of options.scope ?? []) {
    if (!SCOPES.includes(scope)) {
      throw new ConfigError({
        message: `--scope: unknown scope "${scope}". Use read, run or admin (repeat --scope for several).`,
      })
    }
  }
  const store = await openKeyStore(await context.services())
  const { key, info } = await store.create({
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    ...(options.scope === undefined ? {} : { scopes: options.scope }),
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.expiresIn === undefined ? {} : { expiresAt: Date.now() + options.expiresIn * 1000 }),
  })
  context.output.result({ key, ...keyView(info) }, () => key)
  context.output.info(
    `Created key ${info.keyId} (owner ${info.owner}, scopes ${info.scopes.join(', ')}). This is the only time the key is shown: store it now.`,
  )
  return EXIT.ok
}

/** Options of `agentloop keys list`. */
export interface ListKeysCommandOptions {
  owner?: string
}

/** Lists keys (never their secrets). */
export async function listKeysCommand(
  context: CommandContext,
  options: ListKeysCommandOptions,
): Promise<ExitCode> {
  const store = await openKeyStore(await context.services())
  const keys = await store.list(options.owner === undefined ? {} : { owner: options.owner })
  context.output.result({ keys: keys.map(keyView) }, () =>
    keys.length === 0
      ? 'No keys.'
      : keys.map((key) =>
          `${key.keyId}  ${key.owner.padEnd(12)}  ${key.scopes.join(',').padEnd(14)}  ${key.revokedAt === undefined ? (key.expiresAt !== undefined && key.expiresAt < Date.now() ? 'expired' : 'active') : 'revoked'}  ${key.name ?? ''}`.trimEnd(),
        ),
  )
  return EXIT.ok
}

/** Revokes a key at once. */
export async function revokeKeyCommand(
  context: CommandContext,
  _options: object,
  keyId: string,
): Promise<ExitCode> {
  const store = await openKeyStore(await context.services())
  if (!(await store.revoke(keyId))) {
    throw new NotFoundError({ message: `No key "${keyId}". List them with: agentloop keys list` })
  }
  context.output.result({ keyId, revoked: true }, () => `revoked ${keyId}`)
  return EXIT.ok
}

function keyView(info: CliKeyInfo) {
  return {
    keyId: info.keyId,
    owner: info.owner,
    scopes: info.scopes,
    ...(info.name === undefined ? {} : { name: info.name }),
    createdAt: new Date(info.createdAt).toISOString(),
    ...(info.expiresAt === undefined ? {} : { expiresAt: new Date(info.expiresAt).toISOString() }),
    ...(info.revokedAt === undefined ? {} : { revokedAt: new Date(info.revokedAt).toISOString() }),
  }
}
