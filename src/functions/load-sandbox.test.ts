import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { resetFunctionDefaults } from './function-defaults.js'
import { llmFunction } from './llm-function.js'
import { loadSandbox } from './load-sandbox.js'

afterEach(() => resetFunctionDefaults())

const total = (model: ReturnType<typeof scriptedModel>, sandbox?: (code: string) => Promise<unknown>) =>
  llmFunction({
    name: 'total',
    instructions: 'Add the numbers.',
    input: z.object({ numbers: z.array(z.number()) }),
    output: z.number(),
    mode: 'code',
    model,
    ...(sandbox === undefined ? {} : { sandbox }),
  })

describe("code mode's sandbox", () => {
  it('is loaded by itself when quickjs-emscripten is installed', async () => {
    const model = scriptedModel([{ text: '```js\nresult = input.numbers.reduce((a, b) => a + b, 0)\n```' }])
    expect(await total(model)({ numbers: [1, 2, 3] })).toBe(6)
  })

  it('is the one given when one is given', async () => {
    const seen: string[] = []
    const model = scriptedModel([{ text: '```js\nresult = 1\n```' }])
    const mine = async (code: string) => {
      seen.push(code)
      return 42
    }
    expect(await total(model, mine)({ numbers: [] })).toBe(42)
    expect(seen).toEqual(['result = 1'])
  })

  it('says what to install when quickjs-emscripten is missing', async () => {
    let imported = false
    const error = await loadSandbox('llmFunction "total"', {
      resolvePeer() {
        throw Object.assign(new Error("Cannot find module 'quickjs-emscripten'"), {
          code: 'MODULE_NOT_FOUND',
        })
      },
      async importSandbox() {
        imported = true
        return {}
      },
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/npm install quickjs-emscripten/)
    expect((error as Error).message).toMatch(/llmFunction "total": mode 'code'/)
    expect(imported).toBe(false)
  })

  it('reports a sandbox module that fails to load', async () => {
    await expect(
      loadSandbox('f', {
        resolvePeer() {},
        importSandbox: () => Promise.reject(new Error('broken install')),
      }),
    ).rejects.toThrow(/could not load agentloop\/sandbox for mode 'code': broken install/)
  })
})
