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

/** Every environment variable `npm start` reads, in the order the banner lists them. */
export const QUICKSTART_VARIABLES: readonly { name: string; meaning: string }[] = [
  {
    name: 'AGENTLOOP_MODEL',
    meaning: 'any model reference, e.g. anthropic:claude-haiku-4-5 or groq:llama-3.3-70b-versatile',
  },
  { name: 'OPENAI_BASE_URL', meaning: 'an OpenAI-compatible server, through Chat Completions' },
  { name: 'OPENAI_API_KEY', meaning: 'OpenAI, through the Responses API' },
  { name: 'OPENAI_MODEL', meaning: 'the model for the two above (default gpt-4o-mini)' },
  { name: 'ANTHROPIC_API_KEY', meaning: 'Anthropic' },
  { name: 'ANTHROPIC_MODEL', meaning: 'its model (default claude-haiku-4-5)' },
  { name: 'ANTHROPIC_BASE_URL', meaning: 'a proxy in front of Anthropic (optional)' },
  { name: 'OLLAMA_BASE_URL', meaning: 'a local Ollama, such as http://127.0.0.1:11434' },
  { name: 'OLLAMA_MODEL', meaning: 'its model (default llama3.1)' },
  { name: 'NO_COLOR', meaning: 'plain output without colours' },
]

/** The lines `npm start` prints before the run: the model, every variable it reads, where to go next. */
export function banner(configured: { reference: string; reason: string } | undefined): string[] {
  const width = Math.max(...QUICKSTART_VARIABLES.map((variable) => variable.name.length))
  return [
    configured === undefined
      ? 'Using the scripted model: its answers are pre-recorded; the tools run for real.'
      : `Using ${configured.reference} (${configured.reason}).`,
    'Environment variables read (the first provider set wins, in this order):',
    ...QUICKSTART_VARIABLES.map((variable) => `  ${variable.name.padEnd(width)}  ${variable.meaning}`),
    'Next: the tour in README.md, docs/providers.md for keys and local servers, and more programs in',
    'examples/ (npx tsx examples/approval.ts: a durable run that pauses for approval).',
  ]
}
