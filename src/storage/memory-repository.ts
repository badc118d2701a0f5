import type { JsonObject, JsonValue } from '../util/json.js'

/** Where a memory lives: `global` needs no id; the others are keyed by a project, session or user id. */
export type MemoryScope = 'global' | 'project' | 'session' | 'user'

/** A scope and, except for `global`, its id. */
export interface MemoryTarget {
  scope: MemoryScope
  scopeId?: string
}

/** One remembered value. */
export interface MemoryEntry {
  scope: MemoryScope
  scopeId: string | null
  key: string
  value: JsonValue
  /** Milliseconds since the epoch; null: kept until deleted. */
  expiresAt: number | null
  createdAt: number
  updatedAt: number
}

/** Scoped key-value memory with expiry, and preferences. */
export interface MemoryRepository {
  /** Stores a value; `ttlMs` makes it expire. */
  set(input: MemoryTarget & { key: string; value: JsonValue; ttlMs?: number }): Promise<MemoryEntry>
  /** The value, or null when missing or expired. */
  get(input: MemoryTarget & { key: string }): Promise<MemoryEntry | null>
  delete(input: MemoryTarget & { key: string }): Promise<boolean>
  /** The live entries of a scope, by key; only keys starting with `prefix` when given. */
  list(input: MemoryTarget & { prefix?: string }): Promise<MemoryEntry[]>
  /** Deletes every entry of a scope; returns how many there were. */
  clear(input: MemoryTarget): Promise<number>
  /** The preferences of a scope (usually a user); {} when none. */
  getPreferences(target: MemoryTarget): Promise<JsonObject>
  /** Merges preferences atomically (a `null` value removes the key) and returns them all. */
  setPreferences(target: MemoryTarget, values: JsonObject): Promise<JsonObject>
}
