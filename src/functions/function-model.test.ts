import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import { getDefaultModelRegistry } from '../model/model-registry.js'
import { type ScriptedModel, scriptedModel } from '../testing/scripted-model.js'
import { configureFunctions, resetFunctionDefaults } from './function-defaults.js'
import { MODEL_VARIABLE, resetLoadedEnvFiles } from './function-model.js'
import { llmFunction } from './llm-function.js'

// Models named by reference resolve through the default model registry, as agents' do; a test
// provider prefix stands in for a real one (whose adapter would need an API key).
const models = new Map<string, ScriptedModel>()
getDefaultModelRegistry().register('fn-test', (modelId) => {
  // Like a real adapter, it reads its key from the environment when it is created.
  const key = process.env.FN_TEST_KEY
  const model = scriptedModel([
    { text: JSON.stringify({ echo: key === undefined ? modelId : `${modelId}+${key}` }) },
  ])
  models.set(modelId, model)
  return model
})

const echo = (model?: string) =>
  llmFunction({
    name: 'echo',
    instructions: 'Say which model you are.',
    input: z.object({}),
    output: z.object({ echo: z.string() }),
    ...(model === undefined ? {} : { model }),
  })

const savedVariable = process.env[MODEL_VARIABLE]
const savedDirectory = process.cwd()
beforeEach(() => {
  delete process.env[MODEL_VARIABLE]
  resetLoadedEnvFiles()
})
afterEach(() => {
  resetFunctionDefaults()
  process.chdir(savedDirectory)
  if (savedVariable === undefined) delete process.env[MODEL_VARIABLE]
  else process.env[MODEL_VARIABLE] = savedVariable
})

describe('the model of an LLM function', () => {
  it('accepts a model reference, resolved through the model registry', async () => {
    expect(await echo('fn-test:own')({})).toEqual({ echo: 'own' })
    expect(models.get('own')?.requests).toHaveLength(1)
  })

  it('takes the configured default, which may be a reference too', async () => {
    configureFunctions({ model: 'fn-test:configured' })
    expect(await echo()({})).toEqual({ echo: 'configured' })
  })

  it('falls back to AGENTLOOP_MODEL', async () => {
    process.env[MODEL_VARIABLE] = 'fn-test:from-environment'
    expect(await echo()({})).toEqual({ echo: 'from-environment' })
  })

  it('reads AGENTLOOP_MODEL from a .env file in the working directory when present', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'agentloop-env-'))
    writeFileSync(join(directory, '.env'), `# the default model\n${MODEL_VARIABLE}="fn-test:from-dotenv"\n`)
    process.chdir(directory)
    expect(await echo()({})).toEqual({ echo: 'from-dotenv' })
  })

  it("reads the .env file before a model reference's adapter is created, so its key can live there", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'agentloop-env-'))
    writeFileSync(join(directory, '.env'), 'FN_TEST_KEY=secret-from-dotenv\n')
    process.chdir(directory)
    try {
      expect(await echo('fn-test:keyed')({})).toEqual({ echo: 'keyed+secret-from-dotenv' })
    } finally {
      delete process.env.FN_TEST_KEY
    }
  })

  it('lets a variable already set win over the .env file, and can skip the file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'agentloop-env-'))
    writeFileSync(join(directory, '.env'), `${MODEL_VARIABLE}=fn-test:from-dotenv\n`)
    const other = join(directory, 'other.env')
    writeFileSync(other, `${MODEL_VARIABLE}=fn-test:from-other-file\n`)
    process.chdir(directory)
    process.env[MODEL_VARIABLE] = 'fn-test:already-set'
    expect(await echo()({})).toEqual({ echo: 'already-set' })
    delete process.env[MODEL_VARIABLE]
    configureFunctions({ envFile: other })
    expect(await echo()({})).toEqual({ echo: 'from-other-file' })
    delete process.env[MODEL_VARIABLE]
    configureFunctions({ envFile: false })
    await expect(echo()({})).rejects.toThrow(/no model/)
  })

  it('says every way to give a model when there is none', async () => {
    configureFunctions({ envFile: false })
    const error = await echo()({}).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/'openai:gpt-4o-mini'/)
    expect((error as Error).message).toMatch(/configureFunctions\(\{ model \}\)/)
    expect((error as Error).message).toMatch(/AGENTLOOP_MODEL=provider:model-id/)
  })

  it('rejects a malformed reference or a non-model with a ConfigError naming the field', async () => {
    expect(() => echo('gpt-4o-mini')).toThrow(/llmFunction "echo": model: .*provider:model-id/)
    expect(() =>
      llmFunction({
        name: 'x',
        instructions: 'X.',
        input: z.object({}),
        output: z.string(),
        model: 42 as never,
      }),
    ).toThrow(/model must be a model reference/)
    expect(() => configureFunctions({ model: 'nope' })).toThrow(/configureFunctions: model/)
    process.env[MODEL_VARIABLE] = 'not-a-reference'
    await expect(echo()({})).rejects.toThrow(/AGENTLOOP_MODEL environment variable/)
    expect(() => configureFunctions({ envFile: '' })).toThrow(/envFile/)
  })
})
