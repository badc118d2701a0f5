/**
 * A bounded queue between one producer (a run) and one consumer (a `for await` loop). `push`
 * returns a promise only when the queue is full, so the producer slows to the consumer's pace and
 * nothing is buffered without bound; while there is room it costs no await at all.
 */
export interface EventChannel<T> extends AsyncIterable<T> {
  /** Queues a value; the returned promise (if any) resolves once the consumer made room. */
  push(value: T): Promise<void> | undefined
  /** Ends the iteration after the queued values. */
  close(): void
  /** Stops waiting for the consumer: from now on values queue without limit. */
  unbound(): void
  /** True once the consumer stopped iterating (break, return or throw). */
  readonly abandoned: boolean
}

/** Creates a channel that holds at most `highWaterMark` values before `push` waits. */
export function createEventChannel<T>(options: {
  highWaterMark: number
  onAbandon?: () => void
}): EventChannel<T> {
  let limit = options.highWaterMark
  const queue: T[] = []
  let head = 0
  let closed = false
  let abandoned = false
  let waitingConsumer: ((result: IteratorResult<T>) => void) | undefined
  let waitingProducers: (() => void)[] = []

  function releaseProducers(): void {
    const producers = waitingProducers
    waitingProducers = []
    for (const resolve of producers) resolve()
  }

  function abandon(): void {
    if (abandoned) return
    abandoned = true
    queue.length = 0
    head = 0
    releaseProducers()
    options.onAbandon?.()
  }

  return {
    get abandoned() {
      return abandoned
    },
    push(value) {
      if (abandoned || closed) return undefined
      if (waitingConsumer !== undefined) {
        const resolve = waitingConsumer
        waitingConsumer = undefined
        resolve({ value, done: false })
        return undefined
      }
      queue.push(value)
      if (queue.length - head < limit) return undefined
      return new Promise<void>((resolve) => waitingProducers.push(resolve))
    },
    unbound() {
      limit = Number.POSITIVE_INFINITY
      releaseProducers()
    },
    close() {
      closed = true
      if (waitingConsumer !== undefined && head >= queue.length) {
        const resolve = waitingConsumer
        waitingConsumer = undefined
        resolve({ value: undefined, done: true })
      }
    },
    [Symbol.asyncIterator]() {
      return {
        next(): Promise<IteratorResult<T>> {
          if (head < queue.length) {
            const value = queue[head] as T
            head++
            if (head === queue.length) {
              queue.length = 0
              head = 0
            }
            if (waitingProducers.length > 0 && queue.length - head < limit) releaseProducers()
            return Promise.resolve({ value, done: false })
          }
          if (closed || abandoned) return Promise.resolve({ value: undefined, done: true })
          return new Promise((resolve) => {
            waitingConsumer = resolve
          })
        },
        return(): Promise<IteratorResult<T>> {
          abandon()
          return Promise.resolve({ value: undefined, done: true })
        },
        throw(error?: unknown): Promise<IteratorResult<T>> {
          abandon()
          return Promise.reject(error)
        },
      }
    },
  }
}

/** The events of a channel with the promise of what produces them, as `stream()` functions return. */
export interface ResultStream<TEvent, TResult> extends AsyncIterable<TEvent> {
  /** Reading it before iterating lifts the channel's bound, so the producer cannot stall. */
  readonly result: Promise<TResult>
}

/**
 * Joins a channel and the promise of its producer: the channel closes when the promise settles,
 * and awaiting `result` without consuming the events never stalls the producer (its events stay
 * queued for a later reader).
 */
export function resultStream<TEvent, TResult>(
  channel: EventChannel<TEvent>,
  result: Promise<TResult>,
): ResultStream<TEvent, TResult> {
  result.then(
    () => channel.close(),
    () => channel.close(),
  )
  let iterating = false
  return {
    get result() {
      if (!iterating) channel.unbound()
      return result
    },
    [Symbol.asyncIterator]: () => {
      iterating = true
      return channel[Symbol.asyncIterator]()
    },
  }
}
