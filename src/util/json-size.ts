/**
 * The JSON size (UTF-16 units, as `JSON.stringify` emits) of values that never change once made:
 * an object's size is measured once and remembered (a weak map), so checkpoints that keep asking
 * about the same messages, items or node outputs pay for each of them once.
 *
 * @module
 */

const sizes = new WeakMap<object, number>()

/** The JSON size of `value`, measured once per object. Do not use it for objects that change. */
export function jsonSizeOnce(value: unknown): number {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)?.length ?? 0
  let size = sizes.get(value)
  if (size === undefined) {
    size = JSON.stringify(value)?.length ?? 0
    sizes.set(value, size)
  }
  return size
}
