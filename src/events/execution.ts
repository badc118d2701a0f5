/**
 * The execution core that agent runs, step jobs and LLM functions share: one cancellation signal
 * (the caller's signal, a timeout, a stream consumer that stopped reading, a failure), and the
 * stamping of their events (owner id, `seq`, `time`) up to and including their end event.
 *
 * @module
 */

/** The fields the core stamps on every event. */
export interface StampedEvent {
  seq: number
  time: number
  type: string
}

/** Options of {@link startExecution}. */
export interface ExecutionOptions<TEvent extends StampedEvent> {
  /** Sets the owner's id on an event (`runId`, `jobId`). */
  owner(event: TEvent): void
  /** The last `seq` already used (a resumed execution continues after it); default 0. */
  seq?: number
  /** The event type that ends the execution: nothing is emitted after it. */
  endType: string
  /** Where stamped events go; a returned promise means "wait: the consumer is behind". */
  deliver?: ((event: TEvent) => Promise<void> | undefined) | undefined
  /** The caller's signal; its abort cancels the execution with `onSignal(reason)`. */
  signal?: AbortSignal | undefined
  onSignal?: (reason: unknown) => unknown
  /** Cancels the execution with `onTimeout(timeoutMs)` after this many milliseconds (an unref'd timer). */
  timeoutMs?: number | undefined
  onTimeout?: (timeoutMs: number) => unknown
}

/** One running execution. */
export interface Execution<TData> {
  /** Aborted when the execution is cancelled, times out or fails; its reason is the error. */
  readonly signal: AbortSignal
  /** Whether anything (a caller's signal, a timeout, a stream) can abort it midway. */
  readonly abortable: boolean
  /** Cancels with `reason` (the first reason wins). */
  cancel(reason: unknown): void
  /** Stamps and delivers an event; ignored after the end event. */
  emit(data: TData): Promise<void> | undefined
  /** The last stamped `seq`. */
  readonly seq: number
  /** Continues the numbering after `seq` (a resumed execution, once its stored seq is known). */
  continueAfter(seq: number): void
  /** Stops listening to the caller's signal and the timeout. */
  dispose(): void
}

/**
 * Starts an execution: links the caller's signal and the timeout (an unref'd timer) to one
 * controller, and returns the emitter that stamps events in order.
 */
export function startExecution<TData extends object, TEvent extends StampedEvent>(
  options: ExecutionOptions<TEvent>,
): Execution<TData> {
  return new RunningExecution<TData, TEvent>(options)
}

/**
 * One execution. A class so that what a caller reads rarely (`seq`, `continueAfter`, `dispose`)
 * lives on the prototype: thousands of runs in flight each hold only `cancel` and `emit` as
 * closures (they are passed around as functions), and a listener or timer only for a signal or a
 * timeout they have.
 */
class RunningExecution<TData extends object, TEvent extends StampedEvent> implements Execution<TData> {
  readonly signal: AbortSignal
  readonly abortable: boolean
  readonly cancel: (reason: unknown) => void
  readonly emit: (data: TData) => Promise<void> | undefined
  #seq: number
  #userSignal: AbortSignal | undefined
  #onUserAbort: (() => void) | undefined
  #timeout: { clear(): void } | undefined

  constructor(options: ExecutionOptions<TEvent>) {
    const controller = new AbortController()
    const cancel = (reason: unknown) => {
      if (!controller.signal.aborted) controller.abort(reason)
    }
    this.signal = controller.signal
    this.cancel = cancel
    this.#seq = options.seq ?? 0
    const userSignal = options.signal
    if (userSignal !== undefined) {
      const onUserAbort = () => cancel(options.onSignal?.(userSignal.reason) ?? userSignal.reason)
      if (userSignal.aborted) onUserAbort()
      else {
        userSignal.addEventListener('abort', onUserAbort, { once: true })
        this.#userSignal = userSignal
        this.#onUserAbort = onUserAbort
      }
    }
    const { timeoutMs } = options
    if (timeoutMs !== undefined) {
      // An unref'd timer rather than AbortSignal.timeout: the same effect at a fraction of the cost
      // (about 0.4 against 17 us per execution in Node 20), which counts for many short runs.
      this.#timeout = setLongTimeout(
        () =>
          cancel(
            options.onTimeout?.(timeoutMs) ??
              new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
          ),
        timeoutMs,
      )
    }
    const { owner, deliver, endType } = options
    this.abortable = userSignal !== undefined || this.#timeout !== undefined || deliver !== undefined
    let ended = false
    this.emit = (data) => {
      if (ended) return undefined
      // Stamped in place: every call site passes a fresh object literal, so no copy is needed.
      const event = data as unknown as TEvent
      if (event.type === endType) ended = true
      owner(event)
      event.seq = ++this.#seq
      event.time = Date.now()
      return deliver?.(event)
    }
  }

  get seq(): number {
    return this.#seq
  }

  continueAfter(stored: number): void {
    this.#seq = Math.max(this.#seq, stored)
  }

  dispose(): void {
    if (this.#onUserAbort !== undefined) this.#userSignal?.removeEventListener('abort', this.#onUserAbort)
    this.#timeout?.clear()
  }
}

/** setTimeout's longest delay; a longer one is waited for in steps. */
const MAX_TIMER_MS = 2_147_483_647

/** An unref'd timer for any delay (setTimeout alone fires at once beyond about 24.8 days). */
function setLongTimeout(callback: () => void, ms: number): { clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  const start = (left: number) => {
    timer = setTimeout(
      () => (left > MAX_TIMER_MS ? start(left - MAX_TIMER_MS) : callback()),
      Math.min(left, MAX_TIMER_MS),
    )
    timer.unref?.()
  }
  start(ms)
  return {
    clear() {
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}
