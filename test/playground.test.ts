import { Agent, createMemoryStorage, type Model, Runtime, tool } from 'agentloop'
import { scriptedModel, type ScriptedTurn } from 'agentloop/testing'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  browserAvailable,
  browserRequired,
  CHROMIUM,
  launchBrowser,
  screenshot,
  screenshotDir,
} from './support/browser.js'
import { ADMIN_KEY, startServer } from './support/server.js'
import { reviewWorkflow } from './support/workflow-playground.js'

// In CI the browser must be there (.ci/run installs it): the tests run and fail without it.
const runHere = browserAvailable || browserRequired
if (!runHere)
  console.warn(`playground browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

/** A scripted model whose text arrives slowly, delta by delta, as a real one's does. */
function slowModel(turns: ScriptedTurn[], delayMs = 40): Model {
  const model = scriptedModel(turns, { chunkSize: 6 })
  return {
    ...model,
    async *stream(request, options) {
      for await (const part of model.stream(request, options)) {
        if (part.type === 'text.delta') await new Promise((resolve) => setTimeout(resolve, delayMs))
        yield part
      }
    },
  }
}

async function serve(agents: Agent[]) {
  const runtime = new Runtime({ storage: createMemoryStorage(), agents })
  const started = await startServer({ runtime })
  return { ...started, runtime }
}

/** Opens the playground at `hash` and enters the API key once (kept in sessionStorage). */
async function open(context: BrowserContext, url: string, hash = '#/chat'): Promise<Page> {
  const page = await context.newPage()
  page.setDefaultTimeout(8_000)
  page.on('pageerror', (error) => {
    throw error
  })
  await page.goto(`${url}/${hash}`)
  expect(page.url()).toBe(`${url}/playground${hash}`)
  await page.getByLabel('API key', { exact: true }).fill(ADMIN_KEY)
  await page.getByRole('button', { name: 'Use this key' }).click()
  if (hash.startsWith('#/chat')) await agentsLoaded(page)
  return page
}

/**
 * Waits until the chat screen has its agent list (it loads after the key is set): a message sent
 * before that is not sent (the Send button is disabled), which made tests that type at once flaky.
 */
async function agentsLoaded(page: Page): Promise<void> {
  await expect.poll(() => page.getByLabel('Agent').inputValue()).not.toBe('')
}

describe.runIf(runHere)('the playground in a real browser', () => {
  let context: BrowserContext
  let closeBrowser: () => Promise<void>

  beforeAll(async () => {
    const browser = await launchBrowser()
    context = browser.context
    closeBrowser = browser.close
  }, 60_000)
  afterAll(async () => {
    await closeBrowser?.()
    console.info(`playground screenshots in ${screenshotDir}`)
  })

  it('chats: the answer streams in, reasoning is collapsible, Enter sends; no inline code runs (CSP)', async () => {
    const answer = 'Hello! I am the playground assistant, and this answer streams in.'
    const agent = new Agent({
      name: 'assistant',
      instructions: 'Be friendly.',
      model: slowModel([{ reasoning: 'The user greets me; greet back.', text: answer }]),
    })
    const { url } = await serve([agent])
    const page = await open(context, url)
    await expect.poll(() => page.getByLabel('Agent').inputValue()).toBe('assistant')

    // Keyboard: the first Tab stop skips to the content; the message box takes Enter to send.
    await page.reload()
    await expect.poll(() => page.getByLabel('Agent').inputValue()).toBe('assistant')
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate('document.activeElement?.id')).toBe('main')
    // Every length the streamed text had, seen from the page.
    // (in-page code is given as text: this file is type-checked without the DOM's types)
    await page.evaluate(`{
      const lengths = []
      window.lengths = lengths
      new MutationObserver(() => {
        const text = document.querySelector('.text.streamed')?.textContent
        if (text && lengths.at(-1) !== text.length) lengths.push(text.length)
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    }`)
    const box = page.getByLabel('Message', { exact: true })
    await box.focus()
    await page.keyboard.type('Hi there')
    await page.keyboard.press('Enter')
    await page.locator('.live .text.streamed').first().waitFor()
    // stored once the run completes: the conversation shows it from the session
    await page.locator('.stored .message.assistant .text', { hasText: answer }).waitFor()
    const lengths = (await page.evaluate('window.lengths')) as number[]
    expect(lengths.length).toBeGreaterThanOrEqual(3)
    expect(lengths.at(-1)).toBe(answer.length)
    expect(await page.locator('.stored .message.user .text').textContent()).toBe('Hi there')
    const reasoning = page.locator('.stored details.reasoning')
    expect(await reasoning.getAttribute('open')).toBeNull()
    await reasoning.locator('summary').click()
    await expect.poll(() => reasoning.locator('p').textContent()).toBe('The user greets me; greet back.')
    expect(page.url()).toMatch(/session=/)
    await screenshot(page, 'chat')

    // The page's policy blocks inline script and inline style.
    const blocked = (await page.evaluate(`(async () => {
      const violations = []
      document.addEventListener('securitypolicyviolation', (event) => violations.push(event.violatedDirective))
      const script = document.createElement('script')
      script.textContent = 'window.inlineRan = true'
      document.body.append(script)
      const probe = document.createElement('div')
      probe.innerHTML = '<span style="color: rgb(1, 2, 3)">x</span>'
      document.body.append(probe)
      await new Promise((resolve) => setTimeout(resolve, 50))
      return { ran: window.inlineRan === true, color: getComputedStyle(probe.firstElementChild).color, violations }
    })()`)) as { ran: boolean; color: string; violations: string[] }
    expect(blocked.ran).toBe(false)
    expect(blocked.color).not.toBe('rgb(1, 2, 3)')
    expect(blocked.violations).toEqual(expect.arrayContaining([expect.stringMatching(/^script-src/)]))
    await page.close()
  })

  it('approves a call, then opens the inspector of the finished run from the runs list', async () => {
    const refund = tool({
      name: 'refund',
      description: 'Refund an order',
      parameters: z.object({ order: z.string() }),
      needsApproval: true,
      execute: ({ order }) => `refunded ${order}`,
    })
    const agent = new Agent({
      name: 'shop',
      instructions: 'Refund orders when asked.',
      tools: [refund],
      model: scriptedModel([
        {
          text: 'Let me refund that.',
          toolCalls: [{ name: 'refund', arguments: { order: 'A-17' } }],
          usage: { inputTokens: 31, outputTokens: 12 },
        },
        { text: 'Refunded order A-17.', usage: { inputTokens: 52, outputTokens: 6 } },
      ]),
    })
    const { url } = await serve([agent])
    const page = await open(context, url)
    await page.getByLabel('Message', { exact: true }).fill('Please refund order A-17')
    await page.getByRole('button', { name: 'Send' }).click()
    const approve = page.getByRole('button', { name: 'Approve' })
    await approve.waitFor()
    expect(await page.locator('.live .tool').first().textContent()).toContain('"order": "A-17"')
    await screenshot(page, 'approval')
    await approve.click()
    await page.locator('.stored .message.assistant .text', { hasText: 'Refunded order A-17.' }).waitFor()
    expect(await page.locator('.stored .tool pre').allTextContents()).toContain('refunded A-17')

    await page.getByRole('link', { name: 'Runs', exact: true }).click()
    await page.locator('table.runs tbody tr').first().waitFor()
    await page.getByLabel('Status').selectOption('completed')
    await page.locator('table.runs .status-completed').first().waitFor()
    await screenshot(page, 'runs')
    await page.locator('table.runs tbody a').first().click()
    const timeline = page.locator('.timeline')
    await page.locator('.inspector .badge.status-completed').first().waitFor()
    await timeline.locator('.step', { hasText: 'tool refund' }).waitFor()
    const labels = await timeline.locator('.step-label').allTextContents()
    expect(labels).toEqual(
      expect.arrayContaining([
        'run shop',
        'turn 1',
        'approval requested: refund',
        'resumed shop',
        'tool refund',
        'turn 2',
      ]),
    )
    const tokens = await timeline.locator('.kind-model .tokens').allTextContents()
    expect(tokens).toEqual(['31 in / 12 out', '52 in / 6 out'])
    // the request of turn 2, as stored: the question, the call and its result
    const secondModel = timeline.locator('.step.kind-model').nth(1)
    await secondModel.locator('summary').click()
    await secondModel.locator('.request-messages li').nth(2).waitFor()
    expect(await secondModel.locator('.request-messages li strong').allTextContents()).toEqual([
      'user',
      'assistant',
      'tool',
    ])
    expect(await secondModel.locator('.request').textContent()).toContain('Refund orders when asked.')
    await secondModel.locator('.request').scrollIntoViewIfNeeded()
    await screenshot(page, 'inspector')
    await page.close()
  })

  it('resumes the stream after a reload mid-run with Last-Event-ID, without losing or repeating text', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const fetchData = tool({
      name: 'fetch_data',
      description: 'Fetch the data (slow)',
      parameters: z.object({}),
      execute: async () => {
        await gate
        return '42'
      },
    })
    const agent = new Agent({
      name: 'analyst',
      tools: [fetchData],
      model: scriptedModel([
        { text: 'Fetching the data first.', toolCalls: [{ name: 'fetch_data', arguments: {} }] },
        { text: 'The data is ready: 42.' },
      ]),
    })
    const { url } = await serve([agent])
    const page = await open(context, url)
    await page.getByLabel('Message', { exact: true }).fill('What is the number?')
    await page.getByLabel('Message', { exact: true }).press('Enter')
    await page.locator('.live .tool .badge', { hasText: 'running…' }).waitFor()
    await page.locator('.live .text.streamed', { hasText: 'Fetching the data first.' }).waitFor()

    const resumedAfter: number[] = []
    page.on('request', (request) => {
      if (request.url().includes('/events'))
        resumedAfter.push(Number(request.headers()['last-event-id'] ?? 0))
    })
    await page.reload()
    // what streamed before the reload is back at once, and the stream continues after it
    await page.locator('.live .text.streamed', { hasText: 'Fetching the data first.' }).waitFor()
    await page.locator('.live .tool .badge', { hasText: 'running…' }).waitFor()
    await expect.poll(() => resumedAfter.length).toBeGreaterThan(0)
    expect(resumedAfter[0]).toBeGreaterThan(0)
    release()
    await page.locator('.stored .message.assistant .text', { hasText: 'The data is ready: 42.' }).waitFor()
    expect(await page.locator('.stored .text', { hasText: 'Fetching the data first.' }).count()).toBe(1)
    expect(await page.locator('.stored .tool pre').allTextContents()).toContain('42')
    await page.close()
  })

  it('edits a message into a new branch, switches back, lists the session; readable on a narrow screen', async () => {
    const agent = new Agent({
      name: 'guide',
      model: scriptedModel([{ text: 'Lisbon is lovely in May.' }, { text: 'Porto is lovely in June.' }]),
    })
    const { url } = await serve([agent])
    const page = await open(context, url)
    await page.getByLabel('Message', { exact: true }).fill('Tell me about Lisbon')
    await page.getByLabel('Message', { exact: true }).press('Enter')
    await page.locator('.stored .text', { hasText: 'Lisbon is lovely in May.' }).waitFor()
    await page.locator('.stored .message.user').getByRole('button', { name: 'Edit' }).click()
    await page.getByLabel('Edit the message').fill('Tell me about Porto')
    await page.getByRole('button', { name: 'Save and answer' }).click()
    await page.locator('.stored .text', { hasText: 'Porto is lovely in June.' }).waitFor()
    await page.locator('.branches .branch').nth(1).waitFor()
    expect(await page.locator('.branches .branch').count()).toBe(2)
    expect(await page.locator('.branches .branch.active').textContent()).toContain('Porto is lovely in June.')
    await screenshot(page, 'branches')
    await page.getByRole('button', { name: 'Switch to branch 1' }).click()
    await page.locator('.stored .text', { hasText: 'Lisbon is lovely in May.' }).waitFor()
    expect(await page.locator('.stored .text', { hasText: 'Porto' }).count()).toBe(0)

    await page.setViewportSize({ width: 390, height: 760 })
    await page.locator('.branches').waitFor()
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await screenshot(page, 'narrow')
    await page.setViewportSize({ width: 1100, height: 760 })

    await page.getByRole('link', { name: 'Sessions', exact: true }).click()
    await page.locator('.cards .card', { hasText: 'Tell me about Lisbon' }).waitFor()
    await screenshot(page, 'sessions')
    await page.locator('.cards .card a', { hasText: 'Tell me about Lisbon' }).click()
    await page.locator('.stored .text', { hasText: 'Lisbon is lovely in May.' }).waitFor()
    await page.close()
  })

  it('draws a workflow, shows node statuses live, and answers its human-input node', async () => {
    const review = reviewWorkflow()
    const runtime = new Runtime({ storage: createMemoryStorage() })
    runtime.register(review)
    const { url } = await startServer({ runtime })
    const page = await open(context, url, '#/workflows')
    await page.locator('svg.graph g[data-node="review"]').waitFor()
    expect(await page.locator('svg.graph g.node').count()).toBe(5)
    await page.getByLabel('Input').fill('{"ticket": "My invoice is wrong", "urgent": true}')
    await page.getByRole('button', { name: 'Start a run' }).click()
    await page.locator('svg.graph g[data-node="review"].status-waiting').waitFor()
    expect(await page.locator('svg.graph g[data-node="draft"]').getAttribute('class')).toContain(
      'status-completed',
    )
    await page.getByText('Approve or rewrite: Draft: My invoice is wrong').waitFor()
    await screenshot(page, 'workflows')
    await page.getByLabel('Answer').fill('We have corrected your invoice.')
    await page.getByRole('button', { name: 'Send the answer' }).click()
    await page.locator('.wf-run .status-completed').waitFor()
    expect(await page.locator('.wf-run pre').textContent()).toContain('We have corrected your invoice.')
    expect(await page.locator('svg.graph g[data-node="end"]').getAttribute('class')).toContain(
      'status-completed',
    )
    await page.close()
  })
})
