/**
 * An agent run the runner took from the queue: a submitted run starts from the input it was
 * stored with (`queued`), a run taken again (a retry, or an orphan after a crash) continues from
 * its checkpoint with the agent that was active. Either way it is stored in the runner's storage
 * and its events go to the runner's sink.
 *
 * @module
 */
import type { Storage } from '../storage/storage.js'
import { activeAgent } from './continue-run.js'
import { checkpointState } from './load-run.js'
import type { AgentLaunch } from './run-attempt.js'
import { createRunState } from './run-state.js'
import type { RunnableSnapshot } from './runnable-journal.js'
import { type Launch, type RunEnvironment, startRun } from './start-run.js'
import { savedParts } from './stored-run-state.js'

/** Starts (or continues) an agent run the runner took from the queue; resolves with its result. */
export async function launchQueuedAgent(
  env: RunEnvironment,
  queued: {
    /** The runner's storage (the runtime's, or one in memory). */
    storage: Storage
    request: AgentLaunch
  },
): Promise<unknown> {
  const { storage, request } = queued
  const { checkpoint, agent } = request
  const { record } = checkpoint
  const options = {
    context: request.context,
    signal: request.signal,
    timeoutMs: request.timeoutMs,
  }
  const common = {
    storage,
    metadata: record.metadata,
    willRetry: request.willRetry,
    watched: request.watched,
  }
  if (record.status === 'queued') {
    const snapshot = checkpoint.snapshot as unknown as RunnableSnapshot
    const state = createRunState({
      runId: record.runId,
      agentName: agent.name,
      messages: [],
      toolChoice: agent.toolChoice,
    })
    if (snapshot.session !== undefined) state.session = { id: snapshot.session, historyLength: 0 }
    const launch: Launch = {
      ...common,
      state,
      input: snapshot.input,
      phase: 'queued',
      stored: { revision: record.revision, seq: request.seq, saved: { messages: 0, items: 0 } },
    }
    return startRun(env, {
      agent,
      input: snapshot.input,
      options,
      delivery: request.sink,
      resumed: launch,
    })
  }
  const state = await checkpointState(storage, checkpoint)
  const active = activeAgent(env.runnables, agent, state)
  const launch: Launch = {
    ...common,
    state,
    entry: agent,
    stored: {
      revision: record.revision,
      seq: request.seq,
      saved: savedParts(checkpoint.snapshot, state),
    },
  }
  return startRun(env, {
    agent: active,
    input: undefined,
    options,
    delivery: request.sink,
    resumed: launch,
  })
}
