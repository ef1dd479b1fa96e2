// The web UI in a real Chromium, against the built server (`dist/src/main.js`, a process of its own
// on the embedded PostgreSQL) serving the built UI from dist/web. Journeys as users take them;
// screenshots of each page land in test-output/screenshots (desktop 1280×800 and phone 390×844).
import type { BrowserContext, Page } from 'playwright-core';
import { loginAdmin, newUser, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { restClient, sleep, waitFor } from './support/scheduling.js';
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
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
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
    // Not 'networkidle': the page keeps its event stream open. Each page's own request answers, then
    // the stream is up while alice's job fires (every 2 s): none of it may reach bob's page either.
    const pages: [string, RegExp][] = [
      ['/jobs', /\/api\/v1\/jobs\?/],
      ['/executions?range=24h', /\/api\/v1\/executions\?/],
      ['/logs', /\/api\/v1\/logs\?/],
      [`/jobs/${aliceJobId}`, new RegExp(`/api/v1/jobs/${aliceJobId}$`)],
    ];
    // Each page in a tab of its own, opened one after the other; then all of them stay open and live
    // for 2.5 s together (a fire of alice's job or more, for each), and none shows any of it.
    const tabs: Page[] = [];
    for (const [path, request] of pages) {
      const tab = tabs.length === 0 ? page : await context.newPage();
      tabs.push(tab);
      const answered = tab.waitForResponse((response) => request.test(response.url()));
      await tab.goto(`${base}${path}`);
      await answered;
      await tab.getByRole('status', { name: 'Updates: Live' }).waitFor();
    }
    await page.waitForTimeout(2500);
    for (const tab of tabs) {
      const text = (await tab.locator('body').textContent()) ?? '';
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

  /** The names in the Name column, top to bottom. */
  const rowNames = (page: Page): Promise<string[]> => page.locator('tbody tr td:first-child a').allTextContents();

  it('lets an admin filter jobs by owner (kept in the URL) and sort them by name both ways', async () => {
    const admin = await loginAdmin(t);
    await rest.createJob(bob, { name: 'bob-owned', job_class_string: 'SampleJob', pub_args: ['b'], paused: true });
    const { context, page } = await signedIn(admin);
    await page.getByRole('columnheader', { name: 'Owner' }).waitFor();
    await page.getByRole('link', { name: 'bob-owned' }).waitFor();
    await page.getByRole('combobox', { name: 'Owner' }).click();
    await page.getByRole('option', { name: new RegExp(`^${alice.username} \\(\\d+\\)$`) }).click();
    await page.getByRole('link', { name: 'bob-owned' }).waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.get('owner')).toBe(alice.id);
    const alicesJobs = (await rest.as(admin).get('/api/v1/jobs').query({ owner_id: alice.id, limit: 1000 })).body as {
      jobs: Array<{ name: string; owner: { id: string } }>;
    };
    const expected = alicesJobs.jobs.map((job) => job.name);
    expect(expected.length).toBeGreaterThan(1);
    expect(await rowNames(page)).toEqual(expected);
    const owners = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(owners)).toEqual(new Set([alice.username]));
    await page.reload();
    await page.getByRole('link', { name: 'alice-every-two-seconds' }).waitFor();
    expect(await rowNames(page)).toEqual(expected);
    await expect(page.getByRole('combobox', { name: 'Owner' }).inputValue()).resolves.toMatch(alice.username);

    // Sorting by name: ascending is the default; a click flips it (by the server), another flips it back.
    const nameHeader = page.getByRole('columnheader', { name: 'Name' });
    await expect(nameHeader.getAttribute('aria-sort')).resolves.toBe('ascending');
    await expect(page.getByRole('columnheader', { name: 'Next run' }).getAttribute('aria-sort')).resolves.toBe('none');
    await nameHeader.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === '-name');
    await waitFor('Name sorted descending', async () =>
      (await nameHeader.getAttribute('aria-sort')) === 'descending' ? true : undefined,
    );
    const descending = [...expected].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    await waitFor('the rows in descending name order', async () =>
      JSON.stringify(await rowNames(page)) === JSON.stringify(descending) ? true : undefined,
    );
    const apiDescending = (await rest.as(admin).get('/api/v1/jobs').query({ owner_id: alice.id, sort: '-name' }))
      .body as { jobs: Array<{ name: string }> };
    expect(apiDescending.jobs.map((job) => job.name)).toEqual(descending);
    await screenshots(page, 'jobs-admin');
    await nameHeader.getByRole('button').click();
    await waitFor('the rows in ascending name order again', async () =>
      JSON.stringify(await rowNames(page)) === JSON.stringify(expected) ? true : undefined,
    );
    await expect(nameHeader.getAttribute('aria-sort')).resolves.toBe('ascending');
    // The last run's state is shown (alice's two-second job has run by now).
    const lastRun = page.getByRole('row', { name: /alice-every-two-seconds/ }).getByRole('link', { name: 'succeeded' });
    await lastRun.waitFor();
    // Back to every owner.
    await page.getByRole('combobox', { name: 'Owner' }).click();
    await page.getByRole('option', { name: 'Every owner' }).click();
    await page.getByRole('link', { name: 'bob-owned' }).waitFor();
    expect(new URL(page.url()).searchParams.get('owner')).toBeNull();
    expect(alerts).toEqual([]);
    await context.close();
  });

  it('shows the statistics of a custom range as the API counts them, and filters by a clicked state', async () => {
    const { context, page } = await signedIn(alice);
    await page.getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    await page.getByRole('combobox', { name: 'Time range' }).click();
    await page.getByRole('option', { name: 'Custom range' }).click();
    const fromInput = page.getByLabel('From');
    const toInput = page.getByLabel('To', { exact: true });
    await fromInput.waitFor();
    // Prefilled with the range it replaces (the last hour).
    expect(await fromInput.inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    // A closed range in the past (so its counts no longer change): the ten minutes up to the last
    // whole minute, in the browser's zone; a later minute when that one holds no run of alice's yet.
    type Range = { from: string; to: string; fromIso: string; toIso: string };
    const closedRange = (): Promise<Range> =>
      page.evaluate<Range>(`(() => {
        const pad = (n) => String(n).padStart(2, '0');
        const local = (d) => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' +
          pad(d.getHours()) + ':' + pad(d.getMinutes());
        const end = new Date(Math.floor(Date.now() / 60000) * 60000);
        const start = new Date(end.getTime() - 10 * 60000);
        return { from: local(start), to: local(end), fromIso: start.toISOString(), toIso: end.toISOString() };
      })()`);
    const statsOf = async ({ fromIso, toIso }: Range) =>
      (await rest.as(alice).get('/api/v1/executions/stats').query({ time_range_start: fromIso, time_range_end: toIso }))
        .body as { counts: Record<string, number>; total: number };
    let range = await closedRange();
    if ((await statsOf(range)).counts.succeeded === 0) {
      await sleep(60_000 - (Date.now() % 60_000));
      range = await closedRange();
    }
    // The fires of the range's last second have finished.
    if (Date.now() - Date.parse(range.toIso) < 2000) await sleep(2000);
    const { from, to } = range;
    await fromInput.fill(from);
    await toInput.fill(to);
    await page.waitForURL(
      (url) =>
        url.searchParams.get('range') === 'custom' &&
        url.searchParams.get('from') === from &&
        url.searchParams.get('to') === to,
    );
    const stats = await statsOf(range);
    expect(stats.counts.succeeded).toBeGreaterThan(0);
    for (const [state, count] of Object.entries(stats.counts)) {
      await page.getByRole('button', { name: `${state}: ${count}`, exact: true }).waitFor();
    }
    await page.getByText(`${stats.total} ${stats.total === 1 ? 'execution' : 'executions'}`, { exact: true }).waitFor();
    await screenshots(page, 'executions-custom-range');
    // A reload keeps the custom range.
    await page.reload();
    await expect(page.getByLabel('From').inputValue()).resolves.toBe(from);
    await page.getByRole('button', { name: `succeeded: ${stats.counts.succeeded}`, exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('state') === 'succeeded');
    // Pressed once the page has rendered the new URL (waited for, not read once).
    await page
      .getByRole('button', { name: `succeeded: ${stats.counts.succeeded}`, exact: true, pressed: true })
      .waitFor();
    await waitFor('only succeeded rows', async () => {
      const states = await page.locator('tbody tr td:nth-child(2)').allTextContents();
      return states.length > 0 && states.every((state) => state === 'succeeded') ? true : undefined;
    });
    const rows = await page.locator('tbody tr').count();
    expect(rows).toBe(Math.min(50, stats.counts.succeeded));
    // An impossible range says why.
    await page.getByLabel('To', { exact: true }).fill('2020-01-01T00:00');
    await page.getByText('The range must start before it ends').waitFor();
    expect(alerts).toEqual([]);
    await context.close();
  });

  it("shows a modified entry's change list on the Audit logs page and the job's audit trail", async () => {
    const job = await rest.createJob(alice, {
      name: 'to-be-modified',
      job_class_string: 'SampleJob',
      pub_args: ['m'],
      paused: true,
    });
    await rest.as(alice).put(`/api/v1/jobs/${job.job_id}`).send({ minute: '*/10', max_instances: 5 }).expect(200);
    const { context, page } = await signedIn(alice);
    await page.goto(`${base}/logs?event=modified`);
    const row = page.getByRole('row', { name: /to-be-modified/ });
    const changes = row.getByRole('list', { name: 'Changes' });
    await changes.waitFor();
    await expect(changes.getByRole('listitem').allTextContents()).resolves.toEqual([
      'minute: "*" → "*/10"',
      'max_instances: 3 → 5',
    ]);
    await screenshots(page, 'logs-modified');
    // Custom range on the audit logs too, kept in the URL; a range before the change shows none.
    await page.getByRole('combobox', { name: 'Time range' }).click();
    await page.getByRole('option', { name: 'Custom range' }).click();
    await page.getByLabel('From').fill('2020-01-01T00:00');
    await page.getByLabel('To', { exact: true }).fill('2020-01-02T00:00');
    await page.getByText('No modified entry in this range').waitFor();
    expect(new URL(page.url()).searchParams.get('from')).toBe('2020-01-01T00:00');
    await page.goto(`${base}/jobs/${job.job_id}`);
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.getByRole('list', { name: 'Changes' }).getByText('max_instances').waitFor();
    expect(alerts).toEqual([]);
    await context.close();
  });

  it('charts the numbers a job returns over time', async () => {
    const admin = await loginAdmin(t);
    const script = await rest
      .as(admin)
      .post('/api/v1/scripts')
      .send({
        name: 'prices.mjs',
        source:
          'export function run() {\n  const s = new Date().getSeconds();\n' +
          '  return { count: s % 7, price: 9.5 + (s % 5) / 2, nested: { stock: 20 - (s % 3) }, label: "x" };\n}\n',
      });
    expect(script.status).toBe(201);
    const job = await rest.createJob(admin, {
      name: 'price-watch',
      job_class_string: 'ScriptJob',
      pub_args: [(script.body as { script_id: string }).script_id],
      second: '*/2',
    });
    await waitFor(
      'three succeeded runs',
      async () => {
        const res = await rest.as(admin).get('/api/v1/executions').query({ job_id: job.job_id, state: 'succeeded' });
        return (res.body as { total: number }).total >= 3 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const { context, page } = await ui.signIn(admin, { path: `/jobs/${job.job_id}`, heading: 'price-watch' });
    await page.getByRole('heading', { name: 'Results over time' }).waitFor();
    const chart = page.getByRole('img', { name: /^Results over time of \d+ runs: / });
    await chart.waitFor();
    const label = (await chart.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/count from \d+ to \d+/);
    expect(label).toMatch(/price from [\d.]+ to [\d.]+/);
    expect(label).toMatch(/nested\.stock from \d+ to \d+/);
    for (const name of ['count', 'price', 'nested.stock']) {
      await page.getByLabel('Legend').getByText(name, { exact: true }).waitFor();
    }
    await page.getByRole('button', { name: 'Show values' }).click();
    const values = page.getByRole('table', { name: 'Result values' });
    await values.waitFor();
    await expect(values.getByRole('columnheader').allTextContents()).resolves.toEqual([
      'Scheduled',
      'count',
      'nested.stock',
      'price',
    ]);
    expect(await values.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
    await screenshots(page, 'job-chart');
    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
    // A job whose results hold no numbers has no chart.
    await page.goto(`${base}/jobs/${aliceJobId}`);
    await page.getByRole('heading', { name: 'Recent executions' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Results over time' }).count()).resolves.toBe(0);
    expect(alerts).toEqual([]);
    await context.close();
  });

  it('says what to do when a list is empty', async () => {
    const newcomer = await newUser(t, { roles: ['job_manager'] });
    const { context, page } = await signedIn(newcomer);
    await page.getByText('No jobs yet — New job creates the first one.').waitFor();
    await page.getByLabel('Search by name').fill('nothing-like-this');
    await page.getByText('No job matches these filters').waitFor();
    await page.goto(`${base}/executions`);
    await page.getByText(/^No execution in this range — /).waitFor();
    await screenshots(page, 'executions-empty');
    await page.goto(`${base}/logs?event=deleted`);
    await page.getByText(/^No deleted entry in this range/).waitFor();
    await context.close();
  });

  it('returns to sign-in with a message when the token is revoked, keeping the page', async () => {
    const { context, page } = await signedIn(alice);
    await page.goto(`${base}/executions?range=12h`);
    await page.getByRole('heading', { name: 'Executions' }).waitFor();
    // Signed out elsewhere with this tab's own access token: the server revokes it and the session's refresh tokens.
    const token = ui.accessTokenOf(page);
    expect(token).toEqual(expect.any(String));
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
