import { readdirSync, readFileSync } from 'node:fs'
import type { StorageFixture } from 'agentloop/testing'

const root = new URL('../__fixtures__/storage/', import.meta.url)

/** Every stored-format fixture, one per repository and format version (test/__fixtures__/storage/v<N>/*.json). */
export function loadStorageFixtures(): StorageFixture[] {
  const fixtures: StorageFixture[] = []
  for (const version of readdirSync(root).sort()) {
    for (const file of readdirSync(new URL(`${version}/`, root)).sort()) {
      if (file.endsWith('.json')) {
        fixtures.push(JSON.parse(readFileSync(new URL(`${version}/${file}`, root), 'utf8')) as StorageFixture)
      }
    }
  }
  return fixtures
}
