import { AgentLoopError, ModelError } from '../errors/errors.js'
import { modelEndData } from '../events/model-end.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelResponse } from '../model/model-response.js'
import type { ModelStreamPart } from '../model/model-stream-part.js'
import { createResponseCollector } from '../model/response-collector.js'
import { type ActiveRun, hookEvent } from './active-run.js'
import { checkRewrittenRequest, fitContext } from './fit-context.js'
import { requestMessages } from './handoff-phase.js'
import { beforeModelCall } from './model-hooks.js'

/** Builds the request of the current turn from the run state. */
export function buildRequest(run: ActiveRun<unknown, unknown>): ModelRequest {
  const { agent } = run
  const request: ModelRequest = {
    ...agent.modelSettings,
    // A copy, so a model or hook that keeps the request never sees later turns.
    messages: requestMessages(run),
    tools: agent.modelTools as ModelRequest['tools'],
    toolChoice: agent.modelTools.length === 0 ? 'none' : run.state.toolChoice,
  }
  if (run.instructions !== undefined) request.instructions = run.instructions
  if (agent.modelTools.length > 0) request.parallelToolCalls = agent.parallelToolCalls
  if (agent.outputSpec !== undefined) request.output = agent.outputSpec
  return request
}

/**
 * One model call of a turn: `beforeModel` hooks (`model-hooks.ts`), the streamed call (forwarding deltas as events), then
 * `afterModel` hooks. Returns the complete response; a stream that ends early throws `ModelError`.
 */
export async function callModel(run: ActiveRun<unknown, unknown>): Promise<ModelResponse> {
  const { state, hooks } = run
  const turn = state.turn
  const model = run.model
  const fitted = await fitContext(run, buildRequest(run))
  let request = fitted.request
  let response: ModelResponse | undefined
  const modelName = `${model.provider}:${model.modelId}`
  if (hooks.hasBeforeModel) {
    const tokens = {
      input: fitted.inputTokens,
      reservedOutput: request.maxOutputTokens ?? fitted.reserveOutputTokens,
    }
    const decision = await beforeModelCall(run, { request, model: modelName, tokens, purpose: 'turn' })
    if (decision.request !== request) checkRewrittenRequest(fitted.check, decision.request)
    request = decision.request
    response = decision.response
  }

  await run.emit({ type: 'model.start', turn, model: modelName })
  if (response === undefined) {
    response = await streamResponse(run, request)
  } else {
    for (const part of response.content) {
      if (part.type === 'text') await run.emit({ type: 'text.delta', turn, delta: part.text })
    }
  }
  if (hooks.hasAfterModel) {
    response = await hooks.afterModel(hookEvent(run, { request, response, purpose: 'turn' as const }))
  }
  assignUniqueCallIds(response, turn)
  await run.emit(modelEndData(turn, response))
  return response
}

/**
 * Some servers send empty or repeated tool call ids; results are matched by id, so each call gets
 * a unique one before `model.end` reports the calls (the ids `tool.start` and the items then use).
 */
function assignUniqueCallIds(response: ModelResponse, turn: number): void {
  let seen: Set<string> | undefined
  let index = 0
  for (const part of response.content) {
    if (part.type !== 'tool-call') continue
    seen ??= new Set()
    if (part.callId === '' || seen.has(part.callId)) part.callId = `call_${turn}_${index}`
    seen.add(part.callId)
    index++
  }
}

async function streamResponse(
  run: ActiveRun<unknown, unknown>,
  request: ModelRequest,
): Promise<ModelResponse> {
  const model = run.model
  const turn = run.state.turn
  const collector = createResponseCollector(model.provider)
  let toolNames: Map<string, string> | undefined
  let parts: AsyncIterable<ModelStreamPart>
  try {
    parts = model.stream(request, { signal: run.signal })
  } catch (error) {
    throw asModelError(model.provider, error)
  }
  try {
    for await (const part of parts) {
      collector.add(part)
      let wait: Promise<void> | undefined
      switch (part.type) {
        case 'text.delta':
          wait = run.emit({ type: 'text.delta', turn, delta: part.delta })
          break
        case 'reasoning.delta':
          wait = run.emit({ type: 'reasoning.delta', turn, delta: part.delta })
          break
        case 'tool.call.start':
          toolNames ??= new Map()
          toolNames.set(part.callId, part.name)
          break
        case 'tool.call.delta':
          wait = run.emit({
            type: 'tool.args.delta',
            turn,
            callId: part.callId,
            toolName: toolNames?.get(part.callId) ?? '',
            delta: part.delta,
          })
          break
        default:
          break
      }
      if (wait !== undefined) await wait
    }
  } catch (error) {
    if (run.signal.aborted) throw run.signal.reason
    throw asModelError(model.provider, error)
  }
  return collector.response()
}

/** Keeps agentloop errors as they are and wraps anything else a model threw in a `ModelError`. */
function asModelError(provider: string, error: unknown): unknown {
  if (error instanceof AgentLoopError) return error
  return new ModelError({
    provider,
    message: `The ${provider} model call failed: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  })
}
