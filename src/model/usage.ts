/** Token counts of one model call. Providers that do not report a field leave it 0. */
export interface Usage {
  inputTokens: number
  outputTokens: number
  totalTokens: number
  /** Output tokens spent on reasoning, when the provider reports them (part of `outputTokens`). */
  reasoningTokens?: number
  /** Input tokens served from the provider's prompt cache (part of `inputTokens`). */
  cachedInputTokens?: number
  /** Input tokens written to the provider's prompt cache (part of `inputTokens`), when reported. */
  cacheWriteInputTokens?: number
}

/** A usage with every count at 0. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, totalTokens: 0 }
}

/** Adds `next` into `total` in place and returns `total`. */
export function addUsage<T extends Usage>(total: T, next: Partial<Usage> | undefined): T {
  if (next === undefined) return total
  total.inputTokens += next.inputTokens ?? 0
  total.outputTokens += next.outputTokens ?? 0
  total.totalTokens += next.totalTokens ?? (next.inputTokens ?? 0) + (next.outputTokens ?? 0)
  if (next.reasoningTokens !== undefined)
    total.reasoningTokens = (total.reasoningTokens ?? 0) + next.reasoningTokens
  if (next.cachedInputTokens !== undefined)
    total.cachedInputTokens = (total.cachedInputTokens ?? 0) + next.cachedInputTokens
  if (next.cacheWriteInputTokens !== undefined)
    total.cacheWriteInputTokens = (total.cacheWriteInputTokens ?? 0) + next.cacheWriteInputTokens
  return total
}
