/**
 * The model hooks around every model call a run makes: its turns (`call-model.ts`) and the
 * summaries compaction strategies write (`compactionGenerate`). Both pass `beforeModel` with the
 * counted tokens, so spending limits see every call before it is sent, and a refusal
 * (`BudgetExceededError`) is reported in the run's events before it fails the run.
 *
 * @module
 */
import type { TokenCounter } from '../context/token-counter.js'
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import type { ModelCallPurpose } from '../hooks/hooks.js'
import type { Model } from '../model/model.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelResponse } from '../model/model-response.js'
import { type ActiveRun, hookEvent } from './active-run.js'

/**
 * Runs the `beforeModel` hooks of one call. Returns the request to send (a hook may rewrite it)
 * and, when a hook answered in the model's place, the response. A refusal by a spending limit is
 * emitted as `budget.exceeded`, then thrown.
 */
export async function beforeModelCall(
  run: ActiveRun<unknown, unknown>,
  call: {
    request: ModelRequest
    model: string
    tokens: { input: number; reservedOutput: number }
    purpose: ModelCallPurpose
  },
): Promise<{ request: ModelRequest; response?: ModelResponse }> {
  try {
    return await run.hooks.beforeModel(hookEvent(run, call))
  } catch (error) {
    if (error instanceof BudgetExceededError) {
      await run.emit({
        type: 'budget.exceeded',
        turn: run.state.turn,
        budget: error.budget,
        message: error.message,
      })
    }
    throw error
  }
}

/**
 * How a run's compaction strategies call a model (`CompactionInput.generate`): through the run's
 * model hooks with `purpose: 'compaction'`, with the run's signal. The tokens a hook sees are the
 * summary request counted with the run's tokenizer and the summary's `maxOutputTokens`.
 */
export function compactionGenerate(
  run: ActiveRun<unknown, unknown>,
  counter: TokenCounter,
): (model: Model, request: ModelRequest) => Promise<ModelResponse> {
  return async (model, request) => {
    const { hooks } = run
    let response: ModelResponse | undefined
    if (hooks.hasBeforeModel) {
      const decision = await beforeModelCall(run, {
        request,
        model: `${model.provider}:${model.modelId}`,
        tokens: { input: counter.request(request).total, reservedOutput: request.maxOutputTokens ?? 0 },
        purpose: 'compaction',
      })
      request = decision.request
      response = decision.response
    }
    response ??= await model.generate(request, { signal: run.signal })
    if (hooks.hasAfterModel) {
      response = await hooks.afterModel(hookEvent(run, { request, response, purpose: 'compaction' as const }))
    }
    return response
  }
}
