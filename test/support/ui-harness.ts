import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Actor } from './actors.js';
import { DESKTOP, launchBrowser } from './browser.js';
import { freePort } from './ports.js';
import { SpawnedServer } from './spawned-server.js';
import { createTestApp, TEST_ADMIN, type TestApp, type TestAppOptions } from './test-app.js';

/**
 * What a browser test drives: the built server (`dist/src/main.js`, what `npm start` runs) as a
 * process of its own, on a fresh database of the embedded PostgreSQL, and a real Chromium.
 *
 * `t` is a second, in-process instance on the same database (a replica, as several may run): tests
 * seed users, roles and jobs through it and check the database state with it. Tokens from either
 * instance work on both (the JWT secret lives in the database).
 */
export interface UiHarness {
  t: TestApp;
  /** The built server's base URL, e.g. `http://127.0.0.1:41234`. */
  base: string;
  server: SpawnedServer;
  browser: Browser;
  /** Messages of `alert()` dialogs seen by any page opened through `signIn`/`newPage` (an XSS would add one). */
  alerts: string[];
  /**
   * The access token the UI of `page` holds now (kept in memory only): the last one the page received
   * from sign-in or a renewal.
   */
  accessTokenOf(page: Page): string | undefined;
  /** A new browser context and page (desktop size unless told), not signed in. */
  newPage(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  /** Signs `actor` in through the sign-in page at `path` (default `/jobs`) and waits for `heading`. */
  signIn(
    actor: Pick<Actor, 'username' | 'password'>,
    options?: { path?: string; heading?: string; viewport?: { width: number; height: number } },
  ): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function startUi(
  options: { app?: TestAppOptions; serverEnv?: Record<string, string> } = {},
): Promise<UiHarness> {
  const t = await createTestApp(options.app);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-ui-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = new SpawnedServer(
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: t.database.url,
      BCRYPT_COST: '4',
      ADMIN_USERNAME: TEST_ADMIN.username,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      LOG_LEVEL: 'warn',
      ...options.serverEnv,
    },
    dataDir,
  );
  // Chromium starts while the server boots.
  const launching = launchBrowser();
  launching.catch(() => undefined); // (awaited below; a failure is thrown there)
  let browser: Browser | undefined;
  try {
    await server.waitForHealth(base);
    browser = await launching;
  } catch (error) {
    await launching.then((launched) => launched.close()).catch(() => undefined);
    server.stop('SIGKILL');
    await server.waitForExit().catch(() => undefined);
    await t.close();
    throw error;
  }
  const alerts: string[] = [];
  const opened = browser;
  const accessTokens = new WeakMap<Page, string>();

  /** Follows the access tokens `page` receives (sign-in and renewals), for tests that revoke them. */
  function trackTokens(page: Page): void {
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (response.status() !== 200 || (path !== '/api/v1/auth/login' && path !== '/api/v1/auth/refresh')) return;
      response
        .json()
        .then((body: { access_token?: string }) => {
          if (body.access_token) accessTokens.set(page, body.access_token);
        })
        .catch(() => undefined);
    });
  }

  async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
    const context = await opened.newContext({ viewport });
    context.on('page', trackTokens);
    const page = await context.newPage();
    page.on('dialog', (dialog) => {
      alerts.push(dialog.message());
      void dialog.dismiss();
    });
    return { context, page };
  }

  return {
    t,
    base,
    server,
    browser,
    alerts,
    newPage,
    accessTokenOf: (page) => accessTokens.get(page),
    async signIn(actor, { path: at = '/jobs', heading = 'Jobs', viewport } = {}) {
      const { context, page } = await newPage(viewport);
      await page.goto(`${base}${at}`);
      await page.getByLabel('Username').fill(actor.username);
      await page.getByLabel('Password', { exact: true }).fill(actor.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      return { context, page };
    },
    async close() {
      await opened.close();
      server.stop('SIGTERM');
      await server.waitForExit().catch(() => server.stop('SIGKILL'));
      await t.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
