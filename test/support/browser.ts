import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import chromium from '@sparticuz/chromium';
import { type Browser, type Page, chromium as playwright } from 'playwright-core';

/** Where the browser tests save their screenshots (look at them: the pages must look finished). */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '..', '..', 'test-output', 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * A real headless Chromium: Debian's when installed, else the one inside the `@sparticuz/chromium`
 * npm package (unpacked to /tmp on first use). Playwright never downloads a browser here.
 */
export async function launchBrowser(): Promise<Browser> {
  const debian = '/usr/bin/chromium';
  const executablePath = existsSync(debian) ? debian : await chromium.executablePath();
  return playwright.launch({
    executablePath,
    headless: true,
    // Not @sparticuz/chromium's own args: they are for AWS Lambda (single process, web security off).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves `<name>-desktop.png` and `<name>-phone.png` of the page as it is now. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  // The layout's own transitions (the navigation collapsing) settle first.
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(before);
}
