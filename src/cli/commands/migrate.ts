/**
 * `agentloop migrate`: creates or upgrades the storage's schema, then exits. The SQL backends also
 * migrate on first use; running this first (a deploy step, an init container) keeps that work out
 * of the first request and reports a broken database before traffic arrives.
 *
 * @module
 */
import { sqlMigrations } from '../../storage/sql-migrations.js'
import type { CommandContext } from '../command-context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'

/** Applies pending migrations and reports the schema version. */
export async function migrateCommand(context: CommandContext, _options: object): Promise<ExitCode> {
  const spinner = context.output.spinner('migrating')
  try {
    const services = await context.services()
    // The first read opens the database and applies what is pending, under the backend's lock.
    await services.storage.runs.list({ limit: 1 })
    const schemaVersion = sqlMigrations.at(-1)?.version ?? 0
    spinner.stop()
    const { kind, where } = services.storageChoice
    context.output.result(
      { storage: kind, where, schemaVersion },
      () => `${kind} ${where}: schema version ${schemaVersion}`,
    )
  } finally {
    spinner.stop()
  }
  return EXIT.ok
}
