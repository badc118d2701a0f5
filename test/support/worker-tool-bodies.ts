// Bodies of worker tools for test/worker-tool.test.ts: they run inside worker threads.

function busyWait(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // Blocks its thread, as a CPU-heavy synchronous tool would.
  }
}

/** Blocks for `ms` milliseconds, then answers. */
export default function block(
  { ms }: { ms: number },
  info: { callId: string },
): { blockedMs: number; callId: string } {
  busyWait(ms)
  return { blockedMs: ms, callId: info.callId }
}

/** Never returns. */
export function spin(): never {
  for (;;) busyWait(1000)
}

/** Throws. */
export function fail({ ms }: { ms: number }): never {
  throw new RangeError(`the value ${ms} is out of range`)
}

/** Returns something that cannot be copied out of the worker. */
export function unsendable(): unknown {
  return { callback: () => 1 }
}
