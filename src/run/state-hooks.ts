import { HookVetoError } from '../errors/errors.js'
import type { RunStatus } from '../events/run-event.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { SaveHookEvent, SessionAppendHookEvent } from '../hooks/hooks.js'
import type { ActiveRun } from './active-run.js'
import type { CheckpointHooks } from './checkpointer.js'

/** The save and session-append hooks a run's checkpointer calls; undefined when there are none. */
export function checkpointHooks(
  chain: HookChain<unknown>,
  agentName: string,
  context: unknown,
): CheckpointHooks | undefined {
  if (!chain.hasState('Save') && !chain.hasState('SessionAppend')) return undefined
  return {
    chain,
    base: (state) => ({ runId: state.runId, agentName, turn: state.turn, context }),
  }
}

/** The `beforeResume` hooks, before a loaded run is claimed: a veto is a `HookVetoError`, nothing changed. */
export async function vetoResume(
  chain: HookChain<unknown>,
  event: {
    runId: string
    agentName: string
    turn: number
    context: unknown
    revision: number
    status: RunStatus
    messages: number
  },
): Promise<void> {
  if (!chain.hasState('Resume')) return
  const reason = await chain.beforeState('Resume', event)
  if (reason !== undefined) {
    throw new HookVetoError({
      hook: 'beforeResume',
      reason,
      what: `the resume of run "${event.runId}" from revision ${event.revision} (${event.status}); the stored run was not changed`,
    })
  }
}

/**
 * The `beforeSessionLoad` hooks, before a run reads its session: a veto fails the run before
 * anything of it is written.
 */
export async function vetoSessionLoad(run: ActiveRun<unknown, unknown>, sessionId: string): Promise<void> {
  if (!run.hooks.hasState('SessionLoad')) return
  const reason = await run.hooks.beforeState('SessionLoad', {
    runId: run.state.runId,
    agentName: run.agent.name,
    turn: run.state.turn,
    context: run.context,
    sessionId,
  })
  if (reason !== undefined) {
    throw new HookVetoError({
      hook: 'beforeSessionLoad',
      reason,
      what: `the load of session "${sessionId}" by run "${run.state.runId}"`,
    })
  }
}

/** The `beforeSave` (then `beforeSessionAppend`) hooks' veto of a save, if any. */
export async function vetoSave(
  chain: HookChain<unknown>,
  runId: string,
  save: SaveHookEvent<unknown> | undefined,
  append: SessionAppendHookEvent<unknown> | undefined,
): Promise<HookVetoError | undefined> {
  if (save !== undefined && chain.hasState('Save')) {
    const reason = await chain.beforeState('Save', save)
    if (reason !== undefined) {
      return new HookVetoError({
        hook: 'beforeSave',
        reason,
        what: `the save of run "${runId}" (${save.reason}, revision ${save.revision})`,
      })
    }
  }
  if (append !== undefined && chain.hasState('SessionAppend')) {
    const reason = await chain.beforeState('SessionAppend', append)
    if (reason !== undefined) {
      return new HookVetoError({
        hook: 'beforeSessionAppend',
        reason,
        what: `the append of ${append.messages.length} messages of run "${runId}" to session "${append.sessionId}" (and the run's last save with it)`,
      })
    }
  }
  return undefined
}
