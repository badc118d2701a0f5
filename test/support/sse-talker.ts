import { Agent, type Model } from 'agentloop'

/**
 * An agent whose model streams 40 text deltas 40 ms apart (about 1.6 s of live events), ending
 * with the id of the process that ran it: the run can be watched, left and rejoined while it runs.
 */
export function talker(): Agent<unknown, string> {
  const model: Model = {
    specificationVersion: 'agentloop.model.v1',
    provider: 'test',
    modelId: 'talker',
    generate: () => Promise.reject(new Error('streaming only')),
    async *stream(_request, options) {
      yield { type: 'response.start' }
      for (let index = 0; index < 40; index++) {
        await new Promise((resolve) => setTimeout(resolve, 40))
        options?.signal?.throwIfAborted()
        yield { type: 'text.delta', delta: `w${index} ` }
      }
      yield { type: 'text.delta', delta: `pid:${process.pid}` }
      yield {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 3, outputTokens: 31, totalTokens: 34 },
      }
    },
  }
  return new Agent({ name: 'talker', instructions: 'Talk.', model })
}
