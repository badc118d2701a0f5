import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { root } from './build.js'

/** Debian's chromium package (installed by .ci/run); the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium'

/** Whether the browser tests can run here; in CI they must (a missing browser fails them). */
export const browserAvailable = existsSync(CHROMIUM)
export const browserRequired = process.env.CI === 'true'

/**
 * Where screenshots go: docs/images (committed) with UPDATE_SCREENSHOTS=1, else a folder under
 * the system's temporary directory (printed), so a plain test run leaves the tree clean.
 */
export const screenshotDir =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(root, 'docs/images')
    : join(tmpdir(), 'agentloop-playground-screenshots')

/** A headless chromium with a fresh profile; `close()` removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!browserAvailable) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does.`,
    )
  }
  const profile = mkdtempSync(join(tmpdir(), 'agentloop-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 760 },
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a screenshot of the page's viewport as `playground-<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true })
  const path = join(screenshotDir, `playground-${name}.png`)
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' })
  return path
}
