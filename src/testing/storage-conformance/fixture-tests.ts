import assert from 'node:assert/strict'
import type { JsonValue } from '../../util/json.js'
import type { RunStatus } from '../../events/run-event.js'
import { runIndexes } from '../../storage/repositories/create-run-repository.js'
import { driverOf } from './general-tests.js'
import type { SuiteContext } from './suite-context.js'

export function fixtureTests({ describe, it, fixtures }: SuiteContext): void {
  if (fixtures.length === 0) return
  describe('versioned loading', () => {
    for (const fixture of fixtures) {
      it(`reads format version ${fixture.formatVersion} records back: ${fixture.name}`, async (storage) => {
        const driver = driverOf(storage)
        const result = await driver.commit(
          fixture.records.map((record) => ({
            type: 'put' as const,
            collection: record.collection,
            key: record.key,
            group: record.group,
            order: record.order,
            data: record.data,
            expiresAt: record.expiresAt,
            // what the repository indexes a run by (SQL migration 2 does it for runs stored before)
            ...(record.collection === 'run'
              ? {
                  indexes: runIndexes(
                    record.data as unknown as { status: RunStatus; agentName: string; sessionId?: string },
                  ),
                }
              : {}),
            restore: { revision: record.revision, createdAt: record.createdAt, updatedAt: record.updatedAt },
          })),
          Date.now(),
        )
        assert.equal(result.ok, true)
        for (const read of fixture.reads) {
          const [repositoryName, method] = read.call.split('.') as [string, string]
          const repository = (
            storage as unknown as Record<string, Record<string, (...args: JsonValue[]) => unknown>>
          )[repositoryName]
          const call = repository?.[method]
          assert.equal(typeof call, 'function', `${read.call} is a repository method`)
          const actual = await (call as (...args: JsonValue[]) => Promise<unknown>).apply(
            repository,
            read.args,
          )
          assert.deepEqual(
            JSON.parse(JSON.stringify(actual ?? null)),
            read.expect,
            `${fixture.name}: ${read.call}`,
          )
        }
      })
    }
  })
}
