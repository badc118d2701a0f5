import type { Agent } from '../agent/agent.js'
import type { RunEventData } from '../events/run-event.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { Model } from '../model/model.js'
import type { RunState } from './run-state.js'

/**
 * What the steps of one run share while it executes: the state, the agent, the run context, the
 * cancellation signal, the hooks and the event emitter. Internal to the run loop.
 */
export interface ActiveRun<TContext, TOutput> {
  readonly agent: Agent<TContext, TOutput>
  /** The model this run calls: the agent's, or the one its model reference resolved to. */
  model: Model
  readonly state: RunState
  readonly context: TContext
  /** Whether anything (a signal, a timeout, a stream consumer) can abort the run midway. */
  readonly abortable: boolean
  /** Aborted when the run is cancelled, times out, or fails. */
  readonly signal: AbortSignal
  readonly hooks: HookChain<TContext>
  /** The instructions resolved for this run (a function of the context is called once, at the start). */
  instructions: string | undefined
  readonly maxTurns: number
  /** Tool calls of one turn that may run at once. */
  readonly toolConcurrency: number
  /** Stamps and delivers an event; a returned promise means "wait: the consumer is behind". */
  emit(data: RunEventData): Promise<void> | undefined
}
