// The Account page's "API tokens" section in a real Chromium, against the built server
// (`dist/src/main.js`): a token made in the UI works against the API, and revoking it in the UI ends it.
// Screenshots land in test-output/screenshots (desktop 1280×800 and phone 390×844).
import { newUser, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { Db } from './support/scheduling.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

describe('API tokens on the Account page in a real browser', () => {
  let ui: UiHarness;
  let user: Actor;
  /** A name that would run script if it were rendered as HTML. */
  const name = 'deploy bot <img src=x onerror=alert(1)>';

  beforeAll(async () => {
    ui = await startUi();
    user = await newUser(ui.t, { roles: ['job_manager'] });
  });
  afterAll(async () => {
    await ui?.close();
  });

  const call = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${ui.base}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    });

  it('creates a token in the UI (shown once, copyable), uses it against the API, and revokes it in the UI', async () => {
    const { context, page } = await ui.signIn(user, { path: '/account', heading: 'Account' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.base });
    const section = page
      .locator('.mantine-Card-root')
      .filter({ has: page.getByRole('heading', { name: 'API tokens' }) });
    await section.getByText('No API tokens yet').waitFor();
    await screenshots(page, 'account-tokens-empty');

    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API token' });
    await dialog.getByLabel('Name').fill(name);
    // one checkbox per permission the user holds (job_manager's), nothing else
    const me = await fetch(`${ui.base}/api/v1/auth/me`, { headers: { Authorization: user.bearer } });
    const held = ((await me.json()) as { permissions: string[] }).permissions;
    expect(held).toContain('job_create');
    await expect(dialog.getByRole('checkbox').count()).resolves.toBe(held.length);
    await expect(dialog.getByRole('checkbox', { name: 'user_manage' }).count()).resolves.toBe(0);
    await dialog.getByRole('checkbox', { name: 'job_view', exact: true }).check();
    await dialog.getByLabel('Expires on').fill('2099-12-31');
    await screenshots(page, 'account-token-dialog');
    await dialog.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByRole('dialog', { name: 'Your new API token' });
    await shown.getByText('Copy the token now: it will not be shown again').waitFor();
    const token = (await shown.getByLabel('New API token').textContent()) ?? '';
    expect(token).toMatch(/^cw_[A-Za-z0-9_-]{43}$/);
    await shown.getByRole('button', { name: 'Copy token' }).click();
    await shown.getByRole('button', { name: 'Copied' }).waitFor();
    // (a string: the test's own tsconfig has no DOM types)
    await expect(page.evaluate<string>('navigator.clipboard.readText()')).resolves.toBe(token);
    await screenshots(page, 'account-token-shown');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'hidden' });

    // The token works, limited to job_view.
    expect((await call(token, '/api/v1/jobs')).status).toBe(200);
    const create = await call(token, '/api/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ name: 'nope', job_class_string: 'SampleJob', pub_args: ['x'], paused: true }),
    });
    expect(create.status).toBe(403);

    // Listed by name (as text), prefix, permissions, last use and expiry; never the secret.
    await page.reload();
    await page.getByRole('heading', { name: 'Account', exact: true }).waitFor();
    const row = section.getByRole('row').filter({ hasText: 'deploy bot' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(name);
    await expect(row.textContent()).resolves.toContain(`${token.slice(0, 11)}…`);
    await expect(row.textContent()).resolves.toContain('job_view');
    await expect(page.content()).resolves.not.toContain(token.slice(11));
    await expect(row.getByRole('cell').nth(3).textContent()).resolves.not.toBe('Never');
    await expect(row.locator('time').count()).resolves.toBe(3);
    await screenshots(page, 'account-tokens');

    // Revoke, with a confirmation.
    await row.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this token?' });
    await confirm.waitFor();
    await screenshots(page, 'account-token-revoke');
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await section.getByText('No API tokens yet').waitFor();

    const refused = await call(token, '/api/v1/jobs');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="revoked"');

    const db = await Db.connect(ui.t);
    try {
      const audit = await db.rows<{ event: string }>(
        `SELECT event FROM audit_logs WHERE owner_id = $1 AND event LIKE 'token_%' ORDER BY created_time`,
        [user.id],
      );
      expect(audit.map((entry) => entry.event)).toEqual(['token_created', 'token_revoked']);
    } finally {
      await db.end();
    }
    expect(ui.alerts).toEqual([]);
    await context.close();
  });
});
