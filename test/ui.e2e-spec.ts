// The web UI in a real Chromium, against the built server (`dist/src/main.js`, a process of its own
// on the embedded PostgreSQL) serving the built UI from dist/web. Journeys as users take them;
// screenshots of each page land in test-output/screenshots (desktop 1280×800 and phone 390×844).
import type { BrowserContext, Page } from 'playwright-core';
import { loginAdmin, newUser, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { restClient, waitFor } from './support/scheduling.js';
import type { TestApp } from './support/test-app.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';

describe('the web UI in a real browser', () => {
  let ui: UiHarness;
  let t: TestApp;
  let base: string;
  let rest: ReturnType<typeof restClient>;
  let alice: Actor;
  let bob: Actor;
  let viewer: Actor;
  let aliceJobId: string;
  let alerts: string[];

  beforeAll(async () => {
    ui = await startUi();
    ({ t, base, alerts } = ui);
    rest = restClient(t);
    alice = await newUser(t, { roles: ['job_manager'] });
    bob = await newUser(t, { roles: ['job_manager'] });
    viewer = await newUser(t, { roles: ['viewer'] });
    const job = await rest.createJob(alice, {
      name: 'alice-every-two-seconds',
      job_class_string: 'SampleJob',
      pub_args: ['hello from alice'],
      second: '*/2',
    });
    aliceJobId = job.job_id;
    await rest.createJob(alice, { name: XSS_NAME, job_class_string: 'SampleJob', pub_args: ['x'], paused: true });
  });
  afterAll(async () => {
    await ui?.close();
  });

  function signedIn(actor: Actor): Promise<{ context: BrowserContext; page: Page }> {
    return ui.signIn(actor);
  }

  it('serves the UI at / and on any page path, and keeps the API answers', async () => {
    const home = await fetch(`${base}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    const deep = await fetch(`${base}/jobs/${aliceJobId}`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const unknownApi = await fetch(`${base}/api/v1/no-such-thing`);
    expect(unknownApi.status).toBe(404);
    expect(await unknownApi.json()).toEqual({
      statusCode: 404,
      message: 'Cannot GET /api/v1/no-such-thing',
      error: 'Not Found',
    });
    expect((await fetch(`${base}/health`)).headers.get('content-type')).toContain('application/json');
  });

  it('signs in, shows the API error for a wrong password, and signs out', async () => {
    const { context, page } = await ui.newPage();
    await page.goto(`${base}/`);
    await screenshots(page, 'sign-in');
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Invalid username or password/i);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await context.close();
  });

  it('shows alice her jobs with their actions, the XSS name as text, and runs, pauses and resumes', async () => {
    const { context, page } = await signedIn(alice);
    await page.getByRole('link', { name: 'alice-every-two-seconds' }).waitFor();
    await expect(page.getByText(XSS_NAME, { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByText('Every 2 seconds', { exact: false }).count()).resolves.toBeGreaterThan(0);
    await screenshots(page, 'jobs');
    const row = page.getByRole('row', { name: /alice-every-two-seconds/ });
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    await expect(
      t
        .http()
        .get(`/api/v1/jobs/${aliceJobId}`)
        .set('Authorization', alice.bearer)
        .then((res) => (res.body as { paused: boolean }).paused),
    ).resolves.toBe(true);
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
    await row.getByRole('button', { name: 'Run now' }).click();
    await page.getByText('alice-every-two-seconds: started').waitFor();
    expect(alerts).toEqual([]);
    await context.close();
  });

  it('creates a job through the dialog (next fire times shown as the schedule is typed), edits and deletes it', async () => {
    const { context, page } = await signedIn(alice);
    await page.getByRole('button', { name: 'New job' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('made-in-the-dialog');
    await dialog.getByPlaceholder('Pick a job class').click();
    // A job_manager holds no code_execute: ShellJob and ScriptJob are not offered.
    await expect(page.getByRole('option', { name: /ShellJob|ScriptJob/ }).count()).resolves.toBe(0);
    await page.getByRole('option', { name: /SampleJob/ }).click();
    await dialog.getByLabel('message').fill('from the dialog');
    await dialog.getByLabel('Second').fill('*/2');
    await dialog.getByText('Every 2 seconds').waitFor();
    await expect(dialog.getByRole('list', { name: 'Next fire times' }).getByRole('listitem').count()).resolves.toBe(5);
    await screenshots(page, 'job-dialog');
    await dialog.getByLabel('Hour').fill('25');
    await dialog.getByText(/hour/).first().waitFor();
    await dialog.getByLabel('Hour').fill('*');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const row = page.getByRole('row', { name: /made-in-the-dialog/ });
    await row.waitFor();
    const created = (await rest.as(alice).get('/api/v1/jobs').query({ q: 'made-in-the-dialog' })).body as {
      jobs: Array<{ job_id: string; second: string; pub_args: unknown[] }>;
    };
    expect(created.jobs).toHaveLength(1);
    expect(created.jobs[0]).toMatchObject({ second: '*/2', pub_args: ['from the dialog'] });
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('dialog').getByLabel('Minute').fill('*/5');
    await page.getByRole('dialog').getByLabel('Second').fill('0');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByText('made-in-the-dialog: saved').waitFor();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const edited = (await rest.as(alice).get(`/api/v1/jobs/${created.jobs[0].job_id}`)).body as {
      minute: string;
      second: string;
    };
    expect(edited).toMatchObject({ minute: '*/5', second: '0' });
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await rest.as(alice).get(`/api/v1/jobs/${created.jobs[0].job_id}`)).status).toBe(404);
    await context.close();
  });

  it('shows executions appearing without a reload, and an execution with its result', async () => {
    const { context, page } = await signedIn(alice);
    await page.getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    const count = () => page.getByRole('row').count();
    const first = await count();
    await waitFor('new rows without a reload', async () => (await count()) > first + 1, { timeoutMs: 15_000 });
    await screenshots(page, 'executions');
    await page.getByRole('link', { name: 'succeeded' }).first().click();
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    await page.getByText('"message": "hello from alice"').waitFor();
    await screenshots(page, 'execution');
    await context.close();
  });

  it('opens a job page directly (reload), and its audit trail is on the Audit logs page', async () => {
    const { context, page } = await signedIn(alice);
    await page.goto(`${base}/jobs/${aliceJobId}`);
    await page.getByRole('heading', { name: 'alice-every-two-seconds' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'alice-every-two-seconds' }).waitFor();
    await page.getByRole('heading', { name: 'Recent executions' }).waitFor();
    await page.getByText('Next fires').waitFor();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page
      .getByText(/added by/)
      .first()
      .waitFor();
    await screenshots(page, 'job');
    await page.getByRole('link', { name: 'Audit logs' }).click();
    await page.getByRole('cell', { name: 'custom_run' }).first().waitFor();
    await page.getByRole('cell', { name: 'paused' }).first().waitFor();
    await screenshots(page, 'logs');
    // A run-now entry links to its execution.
    await page
      .getByRole('row', { name: /custom_run/ })
      .first()
      .getByRole('link')
      .last()
      .click();
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Change password' }).waitFor();
    await screenshots(page, 'account');
    await context.close();
  });

  it("never shows bob anything of alice's, on any page", async () => {
    const { context, page } = await signedIn(bob);
    for (const path of ['/jobs', '/executions?range=24h', '/logs', `/jobs/${aliceJobId}`]) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle');
      const text = (await page.locator('body').textContent()) ?? '';
      expect(text).not.toContain('alice-every-two-seconds');
      expect(text).not.toContain(XSS_NAME);
    }
    await context.close();
  });

  it('offers a viewer no action button', async () => {
    const admin = await loginAdmin(t);
    await rest.createJob(admin, {
      name: 'viewer-owned',
      job_class_string: 'SampleJob',
      pub_args: ['v'],
      owner_id: viewer.id,
      paused: true,
    });
    const { context, page } = await signedIn(viewer);
    await page.getByRole('link', { name: 'viewer-owned' }).waitFor();
    for (const name of ['New job', 'Edit', 'Delete', 'Pause', 'Resume', 'Run now', 'Stop']) {
      await expect(page.getByRole('button', { name }).count()).resolves.toBe(0);
    }
    await context.close();
  });

  it('returns to sign-in with a message when the token is revoked, keeping the page', async () => {
    const { context, page } = await signedIn(alice);
    await page.goto(`${base}/executions?range=12h`);
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    const token = await page.evaluate<string | null>('sessionStorage.getItem("cronwarden.token")');
    await t.http().post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
    await page.getByText('Sign in again to continue').waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/executions?range=12h');
    await page.getByLabel('Username').fill(alice.username);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    await context.close();
  });
});
