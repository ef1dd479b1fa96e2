// The dashboard, scripts and instances pages in a real Chromium against the built server
// (dist/src/main.js), with `t` as a second, in-process instance on the same database.
import type { BrowserContext, Page } from 'playwright-core';
import { loginAdmin, newRole, newUser, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { Db, restClient, waitFor, type JobBody } from './support/scheduling.js';
import type { TestApp } from './support/test-app.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

const XSS_SOURCE =
  "// </script><img src=x onerror=alert(1)>\nexport function run() {\n  return '</script><img src=x onerror=alert(2)>';\n}\n";
const DOUBLE_SOURCE = 'export function run(n) {\n  return { doubled: n * 2 };\n}\n';

interface DashboardBody {
  jobs: { total: number; paused: number };
  runs_today: Record<string, number> | null;
  running: { total: number } | null;
  failures_24h: { executions: Array<{ job: { name: string } }>; total: number } | null;
  upcoming: { jobs: Array<{ name: string }>; total: number };
  failing_jobs: { jobs: Array<{ name: string }>; total: number } | null;
}

describe('dashboard, scripts and instances in a real browser', () => {
  let ui: UiHarness;
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let coder: Actor;
  let bob: Actor;
  let alerts: string[];
  const opened: BrowserContext[] = [];

  const signIn = async (actor: Actor, path: string, heading: string): Promise<Page> => {
    const { context, page } = await ui.signIn(actor, { path, heading });
    opened.push(context);
    return page;
  };

  async function runAndWait(actor: Actor, job: JobBody, state: string): Promise<void> {
    const run = await rest.as(actor).post(`/api/v1/executions/${job.job_id}`);
    expect(run.status).toBe(201);
    await waitFor(`a ${state} run of ${job.name}`, async () =>
      (await db.executions(job.job_id)).some((row) => row.id === run.body.execution_id && row.state === state),
    );
  }

  beforeAll(async () => {
    ui = await startUi();
    ({ t, alerts } = ui);
    db = await Db.connect(t);
    rest = restClient(t);
    await newRole(t, 'dash-coder', [
      'job_create',
      'job_view',
      'job_modify',
      'job_delete',
      'job_run',
      'job_pause',
      'job_resume',
      'execution_view',
      'code_execute',
    ]);
    coder = await newUser(t, { roles: ['dash-coder'] });
    bob = await newUser(t, { roles: ['job_manager'] });
    const daily = { job_class_string: 'SampleJob', second: '0', minute: '30', hour: '4' };
    const ok = await rest.createJob(coder, { ...daily, name: 'coder-nightly-report', pub_args: ['fine'] });
    const broken = await rest.createJob(coder, {
      ...daily,
      name: 'coder-broken-import',
      pub_args: ['x', 0, true],
      paused: true,
    });
    const bobs = await rest.createJob(bob, { ...daily, name: 'bob-secret-job', pub_args: ['x', 0, true] });
    await runAndWait(coder, ok, 'succeeded');
    await runAndWait(coder, ok, 'succeeded');
    await runAndWait(coder, broken, 'failed');
    await runAndWait(bob, bobs, 'failed');
  });
  afterAll(async () => {
    for (const context of opened) await context.close().catch(() => undefined);
    await db?.end();
    await ui?.close();
  });

  it("shows the coder's figures as the API gives them, and nothing of bob's", async () => {
    const page = await signIn(coder, '/', 'Dashboard');
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const res = await rest.as(coder).get('/api/v1/dashboard').query({ timezone: zone });
    expect(res.status).toBe(200);
    const api = res.body as DashboardBody;
    expect(api.jobs.total).toBe(2);
    expect(api.failing_jobs?.jobs.map((job) => job.name)).toEqual(['coder-broken-import']);

    const card = (label: string, value: number) => page.getByRole('group', { name: `${label}: ${value}`, exact: true });
    const runs = api.runs_today ?? {};
    await card('Jobs', api.jobs.total).waitFor();
    await card(
      'Runs today',
      Object.values(runs).reduce((sum, n) => sum + n, 0),
    ).waitFor();
    await card('Succeeded', runs.succeeded).waitFor();
    await card('Failed', runs.failed).waitFor();
    await card('Timed out', runs.timeout).waitFor();
    await card('Running', runs.running).waitFor();
    expect(runs.succeeded).toBe(2);
    expect(runs.failed).toBe(1);

    const failures = page.getByRole('list', { name: 'Failures in the last 24 h' });
    await expect(failures.getByRole('listitem').count()).resolves.toBe(api.failures_24h?.executions.length);
    await failures.getByRole('link', { name: 'coder-broken-import' }).waitFor();
    const upcoming = page.getByRole('list', { name: 'Next fires' });
    await expect(upcoming.getByRole('listitem').count()).resolves.toBe(api.upcoming.jobs.length);
    await upcoming.getByRole('link', { name: 'coder-nightly-report' }).waitFor();
    const failing = page.getByRole('list', { name: 'Last run failed' });
    await expect(failing.getByRole('listitem').count()).resolves.toBe(api.failing_jobs?.jobs.length);
    await page.getByRole('list', { name: 'Running now' }).getByText('Nothing is running right now.').waitFor();
    await expect(page.getByText('bob-secret-job').count()).resolves.toBe(0);

    // A failure links to its execution.
    await failures.getByRole('link', { name: 'coder-broken-import' }).click();
    await page.getByRole('heading', { name: 'Execution of' }).waitFor();
    await page.getByText('SampleJob failed on request').first().waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await screenshots(page, 'dashboard');
  });

  it('uploads scripts by file picker and by drop, explains a refused upload, and shows hostile source literally', async () => {
    const page = await signIn(coder, '/scripts', 'Scripts');
    await page.getByText('No scripts yet').waitFor();
    await screenshots(page, 'scripts-empty');

    await page.getByLabel('Upload a script').setInputFiles({
      name: 'double.mjs',
      mimeType: 'text/javascript',
      buffer: Buffer.from(DOUBLE_SOURCE),
    });
    await page.getByRole('link', { name: 'double.mjs' }).waitFor();

    // A drop as a browser makes it: a DragEvent whose DataTransfer holds the file.
    const dataTransfer = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['export async function run() {\\n  return 1;\\n}\\n'], 'dropped.mjs'));
      return transfer;
    })()`);
    await page.locator('[data-dropzone]').dispatchEvent('drop', { dataTransfer });
    await page.getByRole('link', { name: 'dropped.mjs' }).waitFor();

    await page.getByRole('button', { name: 'Paste source instead' }).click();
    await page.getByLabel('File name').fill('broken.mjs');
    await page.getByLabel('Source').fill('export function start() {}');
    await page.getByRole('button', { name: 'Upload source' }).click();
    await expect(page.getByRole('alert', { name: 'Not uploaded' }).textContent()).resolves.toContain(
      'exports no function named run',
    );

    // Past SCRIPT_MAX_BYTES (256 KiB): the server's 413, said as such.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('alert', { name: 'Not uploaded' }).waitFor({ state: 'detached' });
    await page.getByLabel('Upload a script').setInputFiles({
      name: 'huge.mjs',
      mimeType: 'text/javascript',
      buffer: Buffer.from(`export function run() {}\n//${'x'.repeat(300 * 1024)}\n`),
    });
    await expect(page.getByRole('alert', { name: 'Not uploaded' }).textContent()).resolves.toMatch(
      /Too large: .*the limit is 262144/,
    );

    await page.getByLabel('File name').fill('xss.mjs');
    await page.getByLabel('Source').fill(XSS_SOURCE);
    await page.getByRole('button', { name: 'Upload source' }).click();
    await page.getByRole('link', { name: 'xss.mjs' }).click();
    await page.getByRole('heading', { name: 'xss.mjs' }).waitFor();
    const source = page.getByLabel('Source');
    await page.locator('pre[data-highlighted="yes"]').waitFor();
    await expect(source.textContent()).resolves.toBe(XSS_SOURCE);
    await expect(source.locator('img').count()).resolves.toBe(0);
    await expect(source.locator('span.hljs-comment').count()).resolves.toBe(1);
    await screenshots(page, 'script-source');
    expect(alerts).toEqual([]);

    const stored = await db.rows<{ name: string }>('SELECT name FROM scripts WHERE owner_id = $1 ORDER BY name', [
      coder.id,
    ]);
    expect(stored.map((row) => row.name)).toEqual(['double.mjs', 'dropped.mjs', 'xss.mjs']);
  });

  it('makes a ScriptJob from a script, runs it, and shows its result; the script cannot go while the job uses it', async () => {
    const page = await signIn(coder, '/scripts', 'Scripts');
    const row = page.getByRole('row', { name: /double\.mjs/ });
    await row.getByRole('button', { name: 'New job from this script' }).click();
    const dialog = page.getByRole('dialog', { name: 'New job' });
    await expect(dialog.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('double');
    const scriptId = (await db.rows<{ id: string }>(`SELECT id FROM scripts WHERE name = 'double.mjs'`))[0].id;
    await expect(dialog.getByLabel('script_id').inputValue()).resolves.toBe(scriptId);
    await dialog.getByRole('button', { name: 'Add argument' }).click();
    await dialog.getByLabel('args').fill('21');
    await dialog.getByRole('button', { name: 'Advanced' }).click();
    await dialog.getByLabel('Start paused').check();
    await screenshots(page, 'script-new-job');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const job = (
      await db.rows<{ id: string; pub_args: unknown[]; job_class_string: string }>(
        `SELECT id, pub_args, job_class_string FROM jobs WHERE owner_id = $1 AND name = 'double'`,
        [coder.id],
      )
    )[0];
    expect(job).toMatchObject({ job_class_string: 'ScriptJob', pub_args: [scriptId, 21] });
    await row.getByRole('link', { name: 'double', exact: true }).click();
    await page.getByRole('heading', { name: 'double', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('link', { name: 'succeeded' }).first().click({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Execution of' }).waitFor();
    await page.getByText('"doubled": 42').waitFor();

    // Deleting the script is refused, naming the job; after the job goes, it is allowed.
    await page.goto(`${ui.base}/scripts`);
    await page
      .getByRole('row', { name: /double\.mjs/ })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByRole('dialog', { name: 'Delete this script?' }).getByRole('button', { name: 'Delete' }).click();
    const inUse = page.getByRole('dialog', { name: 'The script is in use' });
    await inUse.getByRole('link', { name: 'double', exact: true }).waitFor();
    await screenshots(page, 'script-in-use');
    await expect(db.count(`SELECT count(*) AS count FROM scripts WHERE id = $1`, [scriptId])).resolves.toBe(1);
    await inUse.getByRole('link', { name: 'double', exact: true }).click();
    await page.getByRole('heading', { name: 'double', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete this job?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();

    await page.goto(`${ui.base}/scripts`);
    await page
      .getByRole('row', { name: /double\.mjs/ })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByRole('dialog', { name: 'Delete this script?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: 'double.mjs' }).waitFor({ state: 'detached' });
    await expect(db.count(`SELECT count(*) AS count FROM scripts WHERE id = $1`, [scriptId])).resolves.toBe(0);
    await screenshots(page, 'scripts');
  });

  it('lists the instances to an admin (the built server and the in-process one), and offers the page to nobody else', async () => {
    const admin = await loginAdmin(t);
    const page = await signIn(admin, '/instances', 'Instances');
    const alive = await db.rows<{ id: string; pid: number }>(
      'SELECT id, pid FROM instances WHERE stopped_time IS NULL',
    );
    expect(alive.length).toBeGreaterThanOrEqual(2);
    const rows = page.locator('tbody tr[data-status="alive"]');
    await waitFor('both instances listed', async () => (await rows.count()) >= 2);
    for (const instance of alive) {
      await page.getByRole('cell', { name: String(instance.pid), exact: true }).waitFor();
    }
    await page.getByText('answering you').waitFor();
    await expect(page.getByText(/^\d+ s ago$/).count()).resolves.toBeGreaterThanOrEqual(2);
    await screenshots(page, 'instances');

    const coderPage = await signIn(coder, '/', 'Dashboard');
    await expect(coderPage.getByRole('link', { name: 'Instances' }).count()).resolves.toBe(0);
    await expect(coderPage.getByRole('link', { name: 'Scripts' }).count()).resolves.toBe(1);
    const bobPage = await signIn(bob, '/', 'Dashboard');
    await expect(bobPage.getByRole('link', { name: 'Scripts' }).count()).resolves.toBe(0);
    await bobPage.goto(`${ui.base}/scripts`);
    await bobPage.getByText('Scripts need the code_execute permission').waitFor();
    await expect(bobPage.getByLabel('Upload a script').count()).resolves.toBe(0);
    await bobPage.goto(`${ui.base}/instances`);
    await bobPage.getByRole('alert').waitFor();
    await expect(bobPage.getByRole('alert').textContent()).resolves.toMatch(/admin/i);
  });
});
