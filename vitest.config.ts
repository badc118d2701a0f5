import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^agentloop$/, replacement: fromRoot('./src/index.ts') },
      { find: /^agentloop\/testing$/, replacement: fromRoot('./src/testing/index.ts') },
      { find: /^agentloop\/sqlite$/, replacement: fromRoot('./src/storage/sqlite/index.ts') },
      { find: /^agentloop\/postgres$/, replacement: fromRoot('./src/storage/postgres/index.ts') },
      { find: /^agentloop\/redis$/, replacement: fromRoot('./src/storage/redis/index.ts') },
      { find: /^agentloop\/openai$/, replacement: fromRoot('./src/providers/openai/index.ts') },
      { find: /^agentloop\/anthropic$/, replacement: fromRoot('./src/providers/anthropic/index.ts') },
      { find: /^agentloop\/ai-sdk$/, replacement: fromRoot('./src/providers/ai-sdk/index.ts') },
      { find: /^agentloop\/functions$/, replacement: fromRoot('./src/functions/index.ts') },
      { find: /^agentloop\/sandbox$/, replacement: fromRoot('./src/sandbox/index.ts') },
      { find: /^agentloop\/workflows$/, replacement: fromRoot('./src/workflows/index.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
  },
})
