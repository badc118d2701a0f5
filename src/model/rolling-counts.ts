/**
 * Calls and failures over a rolling time window, kept in ten buckets so recording and reading cost
 * O(1) memory whatever the traffic. A bucket older than the window is dropped as a whole, so the
 * window is exact to one tenth of its length.
 *
 * @module
 */

const BUCKETS = 10

interface Bucket {
  start: number
  calls: number
  failures: number
}

/** Counts of a rolling window. */
export interface RollingCounts {
  record(now: number, failed: boolean): void
  /** Calls and failures in the window ending at `now`. */
  totals(now: number): { calls: number; failures: number }
  clear(): void
}

/** Creates the counts of a window of `windowMs` milliseconds. */
export function createRollingCounts(windowMs: number): RollingCounts {
  const bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS))
  let buckets: Bucket[] = []

  function prune(now: number): void {
    const oldest = now - windowMs
    // Buckets are appended in time order: drop from the front while they ended before the window.
    let drop = 0
    while (drop < buckets.length && (buckets[drop] as Bucket).start + bucketMs <= oldest) drop++
    if (drop > 0) buckets = buckets.slice(drop)
  }

  return {
    record(now, failed) {
      prune(now)
      let last = buckets.at(-1)
      if (last === undefined || now >= last.start + bucketMs) {
        last = { start: now - (now % bucketMs), calls: 0, failures: 0 }
        buckets.push(last)
      }
      last.calls++
      if (failed) last.failures++
    },
    totals(now) {
      prune(now)
      let calls = 0
      let failures = 0
      for (const bucket of buckets) {
        calls += bucket.calls
        failures += bucket.failures
      }
      return { calls, failures }
    },
    clear() {
      buckets = []
    },
  }
}
