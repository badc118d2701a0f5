/**
 * Checks the options object of `new Agent(...)` before its values are read: a misspelt key
 * (`instruction`, `tool`, `maxTurn`) would otherwise be ignored silently and the agent would run
 * without its system prompt or tools.
 *
 * @module
 */
import { checkOptionKeys, describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'

/** The keys of `AgentOptions`; a new agent option must be added here too. */
export const AGENT_OPTION_KEYS = [
  'name',
  'instructions',
  'model',
  'tools',
  'toolChoice',
  'resetToolChoice',
  'parallelToolCalls',
  'maxTurns',
  'output',
  'modelSettings',
  'context',
  'hooks',
  'handoffs',
  'handoffDescription',
] as const

/** The keys of `ModelSettings`. */
export const MODEL_SETTINGS_KEYS = [
  'temperature',
  'topP',
  'maxOutputTokens',
  'stopSequences',
  'seed',
  'providerOptions',
] as const

/** Names other APIs use for our settings, so the error can point at ours. */
const MODEL_SETTINGS_ALIASES = {
  max_tokens: 'maxOutputTokens',
  maxTokens: 'maxOutputTokens',
  max_output_tokens: 'maxOutputTokens',
  max_completion_tokens: 'maxOutputTokens',
  top_p: 'topP',
  stop: 'stopSequences',
  stop_sequences: 'stopSequences',
}

const AGENT_ALIASES = { system: 'instructions', systemPrompt: 'instructions', prompt: 'instructions' }

/** Throws a `ConfigError` for an options object that is not one, or that has an unknown key. */
export function checkAgentOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError({
      message: `new Agent(options): options must be an object { name, model, instructions?, tools?, ... }; got ${describeValue(options)}.`,
    })
  }
  const record = options as Record<string, unknown>
  const label =
    typeof record.name === 'string' ? `Agent ${JSON.stringify(record.name)}` : 'new Agent(options)'
  checkOptionKeys(record, AGENT_OPTION_KEYS, label, AGENT_ALIASES)
  const settings = record.modelSettings
  if (settings !== undefined) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      throw new ConfigError({
        message: `${label}: modelSettings must be an object such as { temperature: 0.2, maxOutputTokens: 1024 }; got ${describeValue(settings)}.`,
      })
    }
    checkOptionKeys(settings, MODEL_SETTINGS_KEYS, `${label}: modelSettings`, MODEL_SETTINGS_ALIASES)
  }
}
