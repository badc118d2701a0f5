/** Type helpers shared across the package (one definition each). */

/** `Omit` applied to each member of a union, so the union stays discriminated. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** A value, or a promise of it (hooks and strategies may be synchronous or not). */
export type MaybePromise<T> = T | Promise<T>
