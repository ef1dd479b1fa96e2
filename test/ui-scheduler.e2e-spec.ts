// The scheduler switch in a real Chromium, against the built server (`dist/src/main.js`): the admin's
// switch on the Instances page, the banner everyone sees while paused, and run now's 409 message.
// Every UI action is checked through the API and the database (`t`). Screenshots land in
// test-output/screenshots (desktop 1280×800 and phone 390×844).
import { loginAdmin, newUser, uniqueName, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { Db, restClient, waitFor } from './support/scheduling.js';
import type { TestApp } from './support/test-app.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

interface SwitchBody {
  paused: boolean;
  paused_by: { id: string | null; username: string } | null;
  paused_time: string | null;
}

describe('the scheduler switch in a real browser', () => {
  let ui: UiHarness;
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let manager: Actor;
  let jobId: string;
  const jobName = uniqueName('ui-paused-run');

  beforeAll(async () => {
    ui = await startUi();
    t = ui.t;
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    manager = await newUser(t, { roles: ['job_manager'] });
    // paused: it never fires by itself, only through run now
    const job = await rest.createJob(manager, {
      name: jobName,
      job_class_string: 'SampleJob',
      pub_args: [jobName],
      minute: '*',
      paused: true,
    });
    jobId = job.job_id;
  });
  afterAll(async () => {
    await db?.end();
    await ui?.close();
  });

  const stored = async (): Promise<SwitchBody> =>
    (await rest.as(admin).get('/api/v1/scheduler').expect(200)).body as SwitchBody;

  it('the admin pauses the scheduler from the Instances page; the banner says so, with who and when', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/instances', heading: 'Instances' });
    const card = page.getByLabel('Scheduler switch');
    await card.getByText('running', { exact: true }).waitFor();
    await page.getByText('The scheduler is paused').waitFor({ state: 'hidden' });
    await screenshots(page, 'scheduler-running');

    // The click's request and its answer, so that a failure here says whether the switch was asked.
    const paused = page.waitForResponse((response) => response.url().endsWith('/api/v1/scheduler/pause'));
    await card.getByRole('button', { name: 'Pause scheduler' }).click();
    expect((await paused).status()).toBe(200);
    const banner = page.getByRole('status', { name: 'The scheduler is paused' });
    await banner.waitFor();
    await banner.getByText('Paused by admin').waitFor();
    await card.getByText('paused', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Resume scheduler' }).waitFor();
    const state = await stored();
    expect(state).toMatchObject({ paused: true, paused_by: { id: admin.id, username: 'admin' } });
    expect(await db.count(`SELECT count(*) AS count FROM audit_logs WHERE event = 'scheduler_paused'`)).toBe(1);
    await screenshots(page, 'scheduler-paused-admin');
    await context.close();
  });

  it('a job manager sees the banner (no resume button) and run now shows the 409 message; nothing is recorded', async () => {
    const { context, page } = await ui.signIn(manager, { path: '/jobs', heading: 'Jobs' });
    const banner = page.getByRole('status', { name: 'The scheduler is paused' });
    await banner.waitFor();
    await expect(banner.getByRole('button', { name: 'Resume scheduler' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Instances' }).waitFor({ state: 'detached' });

    const row = page.getByRole('row').filter({ hasText: jobName });
    await row.getByRole('button', { name: 'Run now' }).click();
    await page.getByText(/cannot run now: the scheduler is paused; nothing runs until an admin resumes it/i).waitFor();
    await screenshots(page, 'scheduler-paused-run-now');
    expect(await db.count('SELECT count(*) AS count FROM executions WHERE job_id = $1', [jobId])).toBe(0);
    await context.close();
  });

  it('the admin resumes from the banner: it goes, for everyone, and run now works again', async () => {
    const { context, page } = await ui.signIn(admin, { path: '/jobs', heading: 'Jobs' });
    const banner = page.getByRole('status', { name: 'The scheduler is paused' });
    const resumed = page.waitForResponse((response) => response.url().endsWith('/api/v1/scheduler/resume'));
    await banner.getByRole('button', { name: 'Resume scheduler' }).click();
    expect((await resumed).status()).toBe(200);
    await banner.waitFor({ state: 'hidden' });
    expect(await stored()).toEqual({ paused: false, paused_by: null, paused_time: null, start_paused_instances: [] });
    expect(await db.count(`SELECT count(*) AS count FROM audit_logs WHERE event = 'scheduler_resumed'`)).toBe(1);
    await context.close();

    const other = await ui.signIn(manager, { path: '/jobs', heading: 'Jobs' });
    await other.page.getByRole('row').filter({ hasText: jobName }).getByRole('button', { name: 'Run now' }).click();
    await waitFor('the run now execution', async () =>
      (await db.count('SELECT count(*) AS count FROM executions WHERE job_id = $1', [jobId])) === 1 ? true : undefined,
    );
    await expect(other.page.getByText('The scheduler is paused').count()).resolves.toBe(0);
    await other.context.close();
  });
});
