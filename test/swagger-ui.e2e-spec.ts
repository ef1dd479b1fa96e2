// Swagger UI (/docs) in a real Chromium against the built server, under its strict CSP: it loads
// (no CSP violation), lists the tags in a user's order, says what to paste into Authorize, keeps
// the authorization across a reload, and "Try it out" sends no time range unless one is typed.
import type { Locator, Page } from 'playwright-core';
import { loginAdmin } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

describe('Swagger UI in a real browser', () => {
  let ui: UiHarness;

  beforeAll(async () => {
    ui = await startUi();
  });
  afterAll(async () => {
    await ui?.close();
  });

  /** Opens /docs and collects what the console reports (a CSP violation is reported there). */
  async function openDocs(): Promise<{ page: Page; problems: string[] }> {
    const { page } = await ui.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${ui.base}/docs`);
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Cronwarden' }).waitFor();
    return { page, problems };
  }

  /** Pastes an admin's access_token alone into the Authorize dialog (left open) and applies it. */
  async function authorize(page: Page): Promise<Locator> {
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.getByText('alone, without "Bearer " in front', { exact: false }).waitFor();
    const admin = await loginAdmin(ui.t);
    await dialog.locator('input').first().fill(admin.token);
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor();
    return dialog;
  }

  it("loads under the CSP and shows the tags in a user's order", async () => {
    const { page, problems } = await openDocs();
    await page.locator('h3.opblock-tag').first().waitFor();
    const headings = await page.locator('h3.opblock-tag').all();
    const tags = await Promise.all(headings.map((heading) => heading.getAttribute('data-tag')));
    expect(tags.slice(0, 7)).toEqual(['auth', 'jobs', 'executions', 'logs', 'scripts', 'users', 'roles']);
    expect(tags.slice(-2)).toEqual(['health', 'metrics']);
    await screenshots(page, 'swagger-ui');
    expect(problems).toEqual([]);
  });

  it('Authorize says to paste the access_token alone, and the authorization survives a reload', async () => {
    const { page, problems } = await openDocs();
    const dialog = await authorize(page);
    await screenshots(page, 'swagger-ui-authorize');
    await dialog.locator('button.btn-done').click();
    await page.reload();
    await page.locator('.swagger-ui .info .title').waitFor();
    // still authorized: the lock is closed, and the dialog offers Logout, not a token field
    await page.locator('button.authorize.locked').first().waitFor();
    await page.locator('button.authorize').first().click();
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('"Try it out" on GET /api/v1/executions leaves the time range empty, and the call answers 200', async () => {
    const { page, problems } = await openDocs();
    await (await authorize(page)).locator('button.btn-done').click();
    const operation = page.locator('.opblock-get').filter({
      has: page.locator('.opblock-summary-path[data-path="/api/v1/executions"]'),
    });
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    for (const name of ['time_range_start', 'time_range_end']) {
      expect(await operation.locator(`tr[data-param-name="${name}"] input`).inputValue()).toBe('');
    }
    await operation.getByRole('button', { name: 'Execute' }).click();
    await operation.locator('.live-responses-table tbody .response-col_status').first().waitFor();
    expect(
      (await operation.locator('.live-responses-table tbody .response-col_status').first().innerText()).trim(),
    ).toBe('200');
    const url = await operation.locator('.request-url pre').innerText();
    expect(url).not.toContain('time_range');
    expect(problems).toEqual([]);
  });
});
