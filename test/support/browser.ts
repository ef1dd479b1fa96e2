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

/**
 * Waits until the layout has reacted to a new viewport size and its own transitions (the navigation
 * collapsing) are over: two frames for the re-render, then every finite animation or transition
 * running, for at most `limitMs` (an endless one, such as a loader, is not waited for).
 */
async function settled(page: Page, limitMs = 500): Promise<void> {
  // (strings: the test's own tsconfig has no DOM types)
  await page.evaluate<void>(`new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))`);
  await page.evaluate<void>(`Promise.race([
    new Promise((resolve) => setTimeout(resolve, ${limitMs})),
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => Number.isFinite(animation.effect?.getComputedTiming().endTime ?? Infinity))
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  ])`);
}

/** Saves `<name>-desktop.png` and `<name>-phone.png` of the page as it is now. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await settled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await settled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(before);
  // The test's next click lands on the layout at its own size, not on one still re-rendering.
  await settled(page);
}
