// Browser sessions in a real Chromium against the built server: the UI keeps its access token in
// memory only and renews it with the HttpOnly refresh cookie (POST /api/v1/auth/refresh), so a reload
// or a new tab stays signed in, an access token that stops working is renewed once and the request
// sent again, and a session that ended elsewhere returns to the sign-in page saying so.
import jwt from 'jsonwebtoken';
import type { Page } from 'playwright-core';
import { newUser, strongPassword } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { Db, restClient, sleep, waitFor } from './support/scheduling.js';
import type { TestApp } from './support/test-app.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

/** Short, so the expiry test waits little; long enough that the page's checks after one renewal end before a second. */
const ACCESS_SECONDS = 20;
const SESSION_ENDED = 'Your session has ended. Sign in again to continue.';

describe('browser sessions: the access token in memory, renewed with the refresh cookie', () => {
  let ui: UiHarness;
  let t: TestApp;
  let base: string;
  let db: Db;
  let rest: ReturnType<typeof restClient>;

  beforeAll(async () => {
    ui = await startUi({ serverEnv: { JWT_EXPIRES_IN: `${ACCESS_SECONDS}s`, EVENTS_RECHECK_SECONDS: '1' } });
    ({ t, base } = ui);
    db = await Db.connect(t);
    rest = restClient(t);
  });
  afterAll(async () => {
    await db?.end();
    await ui?.close();
  });

  /** Counts the page's calls of POST /api/v1/auth/refresh from now on. */
  function countRenewals(page: Page): { count: number } {
    const seen = { count: 0 };
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/auth/refresh') seen.count += 1;
    });
    return seen;
  }

  const signInButton = (page: Page) => page.getByRole('button', { name: 'Sign in' });
  const liveBadge = (page: Page) => page.getByRole('status', { name: 'Updates: Live' });
  const liveFamilies = async (userId: string) =>
    db.count(
      `SELECT count(DISTINCT family_id) AS count FROM refresh_tokens
        WHERE user_id = $1 AND revoked_time IS NULL AND used_time IS NULL`,
      [userId],
    );

  it('a reload and new tabs stay signed in without the password; no token is kept where scripts can read it', async () => {
    const alice = await newUser(t, { roles: ['job_manager'] });
    // newUser signed in through the API once: that session is the user's too
    const apiSessions = await liveFamilies(alice.id);
    const { context, page } = await ui.signIn(alice);
    const token = ui.accessTokenOf(page);
    expect(token).toEqual(expect.any(String));
    const storage = await page.evaluate<string>(
      'JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage), document.cookie])',
    );
    expect(storage).toBe('[[],[],""]');

    const renewals = countRenewals(page);
    await page.reload();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    expect(renewals.count).toBe(1);
    expect(ui.accessTokenOf(page)).not.toBe(token);
    await expect(signInButton(page).count()).resolves.toBe(0);

    const tab = await context.newPage();
    await tab.goto(`${base}/executions`);
    await tab.getByRole('heading', { name: 'Executions', exact: true }).waitFor();

    // Two tabs opening at the same moment present the same refresh cookie: both stay signed in, and
    // the session lives on (the reuse grace window), one live refresh token for it.
    const [left, right] = [await context.newPage(), await context.newPage()];
    await Promise.all([left.goto(`${base}/jobs`), right.goto(`${base}/logs`)]);
    await left.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await right.getByRole('heading', { name: 'Audit logs', exact: true }).waitFor();
    expect(
      await db.count('SELECT count(*) AS count FROM refresh_tokens WHERE user_id = $1 AND revoked_time IS NOT NULL', [
        alice.id,
      ]),
    ).toBe(0);
    expect(await liveFamilies(alice.id)).toBe(apiSessions + 1);
    await page.reload();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await context.close();
  });

  it('an access token that stops working is renewed once for all the requests it failed, which are sent again', async () => {
    const bob = await newUser(t, { roles: ['job_manager'] });
    const { context, page } = await ui.signIn(bob, { path: '/', heading: 'Dashboard' });
    await liveBadge(page).waitFor();
    const renewals = countRenewals(page);
    const refused: string[] = [];
    let streamsOpened = 0;
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (response.status() === 401) refused.push(path);
      if (path === '/api/v1/events' && response.status() === 200) streamsOpened += 1;
    });
    // Revoked on the server (as an expiry would refuse it): the page's REST calls and its event stream
    // are refused from now on.
    const token = ui.accessTokenOf(page)!;
    const { jti, exp } = jwt.decode(token, { json: true }) as { jti: string; exp: number };
    await db.rows('INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, to_timestamp($2))', [jti, exp]);

    await page.getByRole('link', { name: 'Executions' }).first().click();
    await page.getByRole('heading', { name: 'Executions', exact: true }).waitFor();
    await page.getByText(/^No execution in this range/).waitFor();
    // The server ended the stream of the revoked token; it opened again with the renewed one.
    await waitFor('the event stream back with the new token', async () => {
      return streamsOpened >= 1 && (await liveBadge(page).count()) === 1;
    });
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(renewals.count).toBe(1);
    expect(ui.accessTokenOf(page)).not.toBe(token);

    // The renewed stream delivers: a job created elsewhere appears without a reload.
    await page.getByRole('link', { name: 'Jobs' }).first().click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await rest.createJob(bob, {
      name: 'made-after-renewal',
      job_class_string: 'SampleJob',
      pub_args: ['x'],
      paused: true,
    });
    await page.getByRole('link', { name: 'made-after-renewal', exact: true }).waitFor({ timeout: 10_000 });
    await expect(signInButton(page).count()).resolves.toBe(0);
    await context.close();
  });

  it(`an access token that expires (JWT_EXPIRES_IN=${ACCESS_SECONDS}s) is renewed and the page keeps working`, async () => {
    const carol = await newUser(t, { roles: ['job_manager'] });
    const { context, page } = await ui.signIn(carol);
    await liveBadge(page).waitFor();
    const renewals = countRenewals(page);
    const token = ui.accessTokenOf(page);
    // Past the token's expiry (instead of a fixed ACCESS_SECONDS + 2 s), then until the page renewed it.
    const { exp } = jwt.decode(token!, { json: true }) as { exp: number };
    await sleep(Math.max(0, exp * 1000 - Date.now()));
    await waitFor('the renewal after the expiry', () => Promise.resolve(renewals.count >= 1), { timeoutMs: 10_000 });
    // The server ended the stream when the token expired; the UI renewed and reconnected.
    await liveBadge(page).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Executions' }).first().click();
    await page.getByText(/^No execution in this range/).waitFor();
    expect(renewals.count).toBe(1);
    expect(ui.accessTokenOf(page)).not.toBe(token);
    await rest.createJob(carol, { name: 'after-expiry', job_class_string: 'SampleJob', pub_args: ['x'], paused: true });
    await page.getByRole('link', { name: 'Jobs' }).first().click();
    await page.getByRole('link', { name: 'after-expiry', exact: true }).waitFor();
    await expect(signInButton(page).count()).resolves.toBe(0);
    await context.close();
  }, 120_000);

  it('sign out revokes the session: a reload, or another tab, lands on the sign-in page', async () => {
    const dave = await newUser(t, { roles: ['viewer'] });
    const apiSessions = await liveFamilies(dave.id);
    const { context, page } = await ui.signIn(dave);
    expect(await liveFamilies(dave.id)).toBe(apiSessions + 1);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInButton(page).waitFor();
    await page.getByText('You signed out.').waitFor();
    expect(await liveFamilies(dave.id)).toBe(apiSessions);
    await page.reload();
    await signInButton(page).waitFor();
    await expect(page.getByText('You signed out.').count()).resolves.toBe(0);
    const tab = await context.newPage();
    await tab.goto(`${base}/jobs`);
    await signInButton(tab).waitFor();
    await context.close();
  });

  it('a session revoked elsewhere (a password change) returns to sign-in saying it ended, keeping the page', async () => {
    const erin = await newUser(t, { roles: ['job_manager'] });
    const { context, page } = await ui.signIn(erin, { path: '/executions?range=12h', heading: 'Executions' });
    await liveBadge(page).waitFor();
    const password = strongPassword();
    await t
      .http()
      .put('/api/v1/auth/me/password')
      .set('Authorization', erin.bearer)
      .send({ current_password: erin.password, new_password: password })
      .expect(204);
    await page.getByText(SESSION_ENDED).waitFor({ timeout: 15_000 });
    await signInButton(page).waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/executions?range=12h');
    await screenshots(page, 'session-ended');
    // A reload does not bring the session back.
    await page.reload();
    await signInButton(page).waitFor();
    await page.getByLabel('Username').fill(erin.username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await signInButton(page).click();
    await page.getByRole('heading', { name: 'Executions', exact: true }).waitFor();
    expect(ui.alerts).toEqual([]);
    await context.close();
  });
});
