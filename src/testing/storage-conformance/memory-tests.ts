import assert from 'node:assert/strict'
import { rejectsWith, type SuiteContext, sleep } from './suite-context.js'

export function memoryTests({ describe, it }: SuiteContext): void {
  describe('memory', () => {
    it('keeps values per scope and scope id, lists by prefix, deletes and clears', async (storage) => {
      await storage.memory.set({ scope: 'global', key: 'motto', value: 'be kind' })
      await storage.memory.set({ scope: 'user', scopeId: 'u1', key: 'name', value: 'Ana' })
      await storage.memory.set({
        scope: 'user',
        scopeId: 'u1',
        key: 'city',
        value: { name: 'Lisbon', zip: null },
      })
      await storage.memory.set({ scope: 'user', scopeId: 'u2', key: 'name', value: 'Bo' })
      await storage.memory.set({ scope: 'project', scopeId: 'u1', key: 'name', value: 'project u1' })
      await storage.memory.set({ scope: 'session', scopeId: 's1', key: 'step', value: 3 })
      assert.equal((await storage.memory.get({ scope: 'user', scopeId: 'u1', key: 'name' }))?.value, 'Ana')
      assert.equal((await storage.memory.get({ scope: 'user', scopeId: 'u2', key: 'name' }))?.value, 'Bo')
      assert.equal(
        (await storage.memory.get({ scope: 'project', scopeId: 'u1', key: 'name' }))?.value,
        'project u1',
      )
      assert.equal((await storage.memory.get({ scope: 'global', key: 'motto' }))?.value, 'be kind')
      const entry = await storage.memory.get({ scope: 'user', scopeId: 'u1', key: 'city' })
      assert.deepEqual(entry?.value, { name: 'Lisbon', zip: null })
      assert.equal(entry?.expiresAt, null)
      assert.deepEqual(
        (await storage.memory.list({ scope: 'user', scopeId: 'u1' })).map((item) => item.key),
        ['city', 'name'],
      )
      assert.deepEqual(
        (await storage.memory.list({ scope: 'user', scopeId: 'u1', prefix: 'na' })).map((item) => item.key),
        ['name'],
      )
      await storage.memory.set({ scope: 'user', scopeId: 'u1', key: 'name', value: 'Ana Maria' })
      assert.equal(
        (await storage.memory.get({ scope: 'user', scopeId: 'u1', key: 'name' }))?.value,
        'Ana Maria',
      )
      assert.equal(await storage.memory.delete({ scope: 'user', scopeId: 'u1', key: 'name' }), true)
      assert.equal(await storage.memory.delete({ scope: 'user', scopeId: 'u1', key: 'name' }), false)
      assert.equal(await storage.memory.get({ scope: 'user', scopeId: 'u1', key: 'name' }), null)
      assert.equal(await storage.memory.clear({ scope: 'user', scopeId: 'u1' }), 1)
      assert.deepEqual(await storage.memory.list({ scope: 'user', scopeId: 'u1' }), [])
      assert.equal((await storage.memory.get({ scope: 'user', scopeId: 'u2', key: 'name' }))?.value, 'Bo')
    })

    it('expires values after their TTL', async (storage) => {
      // the first call of a backend may open connections and migrate: not part of the 150 ms
      await storage.memory.get({ scope: 'session', scopeId: 's', key: 'warm-up' })
      const set = await storage.memory.set({
        scope: 'session',
        scopeId: 's',
        key: 'short',
        value: 1,
        ttlMs: 150,
      })
      await storage.memory.set({ scope: 'session', scopeId: 's', key: 'long', value: 2 })
      assert.ok(set.expiresAt !== null && set.expiresAt > Date.now())
      assert.equal((await storage.memory.get({ scope: 'session', scopeId: 's', key: 'short' }))?.value, 1)
      await sleep(250)
      assert.equal(await storage.memory.get({ scope: 'session', scopeId: 's', key: 'short' }), null)
      assert.deepEqual(
        (await storage.memory.list({ scope: 'session', scopeId: 's' })).map((item) => item.key),
        ['long'],
      )
      // an expired key can be set again
      await storage.memory.set({ scope: 'session', scopeId: 's', key: 'short', value: 3 })
      assert.equal((await storage.memory.get({ scope: 'session', scopeId: 's', key: 'short' }))?.value, 3)
    })

    it('merges preferences atomically, a null removing a key', async (storage) => {
      const user = { scope: 'user' as const, scopeId: 'u1' }
      assert.deepEqual(await storage.memory.getPreferences(user), {})
      await storage.memory.setPreferences(user, { language: 'pt', units: 'metric' })
      await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          storage.memory.setPreferences(user, { [`flag${index}`]: index }),
        ),
      )
      const merged = await storage.memory.setPreferences(user, { units: null })
      assert.equal(merged.language, 'pt')
      assert.equal('units' in merged, false)
      const stored = await storage.memory.getPreferences(user)
      assert.deepEqual(stored, merged)
      for (let index = 0; index < 10; index++) assert.equal(stored[`flag${index}`], index)
      assert.deepEqual(await storage.memory.getPreferences({ scope: 'user', scopeId: 'u2' }), {})
    })

    it('rejects a bad scope, a missing scope id and non-JSON values with a ConfigError', async (storage) => {
      await rejectsWith(storage.memory.get({ scope: 'team' as never, key: 'k' }), 'ConfigError', /scope/)
      await rejectsWith(storage.memory.get({ scope: 'user', key: 'k' }), 'ConfigError', /scopeId/)
      await rejectsWith(
        storage.memory.set({ scope: 'global', scopeId: 'x', key: 'k', value: 1 }),
        'ConfigError',
        /global/,
      )
      await rejectsWith(
        storage.memory.set({ scope: 'global', key: 'k', value: { when: new Date() } as never }),
        'ConfigError',
        /value\.when/,
      )
      await rejectsWith(
        storage.memory.set({ scope: 'global', key: 'k', value: 1, ttlMs: -5 }),
        'ConfigError',
        /ttlMs/,
      )
      assert.equal(await storage.memory.get({ scope: 'global', key: 'never set' }), null)
    })
  })
}
