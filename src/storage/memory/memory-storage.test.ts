import { createMemoryStorage } from 'agentloop'
import { storageConformance } from 'agentloop/testing'
import { loadStorageFixtures } from '../../../test/support/storage-fixtures.js'

await storageConformance({ name: 'memory', create: createMemoryStorage, fixtures: loadStorageFixtures() })
