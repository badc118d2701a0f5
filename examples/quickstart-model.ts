/**
 * Which model `npm start` uses, from the environment (first match wins); see quickstart.ts.
 *
 * @module
 */

/** The model reference the environment asks for, and why; undefined when none is configured. */
export function configuredModel(env: NodeJS.ProcessEnv): { reference: string; reason: string } | undefined {
  if (env.AGENTLOOP_MODEL) return { reference: env.AGENTLOOP_MODEL, reason: 'AGENTLOOP_MODEL is set' }
  const openaiModel = env.OPENAI_MODEL || 'gpt-4o-mini'
  if (env.OPENAI_BASE_URL)
    return { reference: `openai-chat:${openaiModel}`, reason: `OPENAI_BASE_URL is ${env.OPENAI_BASE_URL}` }
  if (env.OPENAI_API_KEY) return { reference: `openai:${openaiModel}`, reason: 'OPENAI_API_KEY is set' }
  if (env.ANTHROPIC_API_KEY) {
    return {
      reference: `anthropic:${env.ANTHROPIC_MODEL || 'claude-haiku-4-5'}`,
      reason: 'ANTHROPIC_API_KEY is set',
    }
  }
  if (env.OLLAMA_BASE_URL) {
    return {
      reference: `ollama:${env.OLLAMA_MODEL || 'llama3.1'}`,
      reason: `OLLAMA_BASE_URL is ${env.OLLAMA_BASE_URL}`,
    }
  }
  return undefined
}
