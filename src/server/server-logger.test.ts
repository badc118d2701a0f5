import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createServerLogger } from './server-logger.js'

describe('the server logger', () => {
  it('redacts secrets by field name at the top level and one level down', () => {
    const lines: string[] = []
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk))
        callback()
      },
    })
    const logger = createServerLogger({ level: 'info', destination })
    logger.info(
      {
        authorization: 'Bearer al_secret_value',
        apiKey: 'sk-top-secret',
        provider: { apiKey: 'sk-nested-secret', name: 'p' },
        run: { context: { password: 'hunter2' } },
        keyId: 'visible-id',
      },
      'hello',
    )
    const line = JSON.parse(lines[0] as string)
    expect(JSON.stringify(line)).not.toMatch(/al_secret_value|sk-top-secret|sk-nested-secret|hunter2/)
    expect(line).toMatchObject({
      authorization: '[redacted]',
      provider: { apiKey: '[redacted]', name: 'p' },
      keyId: 'visible-id',
    })
  })
})
