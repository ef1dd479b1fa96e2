// The Jobs and executions lists at phone size (390×844) in a real Chromium against the built server
// (dist/src/main.js): one card per row instead of a table scrolling sideways, every action still there,
// and a dialog opened from a card survives the switch to the desktop table.
import type { BrowserContext, Page } from 'playwright-core';
import { loginAdmin, newUser, type Actor } from './support/actors.js';
import { DESKTOP, PHONE, screenshots } from './support/browser.js';
import { Db, restClient, waitFor, type JobBody } from './support/scheduling.js';
import type { TestApp } from './support/test-app.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

const LONG_NAME = 'alice-a-rather-long-job-name-without-spaces-that-must-wrap-inside-its-card';

describe('phone layouts of the Jobs and executions lists in a real browser', () => {
  let ui: UiHarness;
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let alice: Actor;
  let viewer: Actor;
  let daily: JobBody;
  let alerts: string[];
  const opened: BrowserContext[] = [];

  async function signIn(actor: Actor, path: string, heading: string, viewport = PHONE): Promise<Page> {
    const { context, page } = await ui.signIn(actor, { path, heading, viewport });
    opened.push(context);
    return page;
  }

  async function runAndWait(actor: Actor, job: JobBody, state: string): Promise<string> {
    const run = await rest.as(actor).post(`/api/v1/executions/${job.job_id}`);
    expect(run.status).toBe(201);
    const id = (run.body as { execution_id: string }).execution_id;
    await waitFor(`a ${state} run of ${job.name}`, async () =>
      (await db.executions(job.job_id)).some((row) => row.id === id && row.state === state),
    );
    return id;
  }

  /** How far the page scrolls sideways (0 when nothing is wider than the screen). */
  const sidewaysOverflow = async (page: Page): Promise<number> =>
    Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));

  /** How far the widest table's scroll container scrolls sideways (0 when every table fits). */
  const tableOverflow = async (page: Page): Promise<number> =>
    Number(
      await page.evaluate(
        `Math.max(0, ...[...document.querySelectorAll('table')].map((table) => {
          const box = table.closest('.mantine-ScrollArea-viewport') ?? table.parentElement;
          return box.scrollWidth - box.clientWidth;
        }))`,
      ),
    );

  beforeAll(async () => {
    ui = await startUi();
    ({ t, alerts } = ui);
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    alice = await newUser(t, { roles: ['job_manager'] });
    viewer = await newUser(t, { roles: ['viewer'] });
    const nightly = { job_class_string: 'SampleJob', second: '0', minute: '30', hour: '4' };
    daily = await rest.createJob(alice, { ...nightly, name: 'alice-phone-daily', pub_args: ['fine'] });
    await rest.createJob(alice, { ...nightly, name: LONG_NAME, pub_args: ['long'], paused: true });
    await runAndWait(alice, daily, 'succeeded');
    await runAndWait(alice, daily, 'succeeded');
    await rest.createJob(admin, {
      ...nightly,
      name: 'viewer-phone-job',
      pub_args: ['v'],
      owner_id: viewer.id,
      paused: true,
    });
  });
  afterAll(async () => {
    for (const context of opened) await context.close().catch(() => undefined);
    await db?.end();
    await ui?.close();
  });

  it('shows alice her jobs as cards with their facts and actions, no table and nothing wider than the screen', async () => {
    const page = await signIn(alice, '/jobs', 'Jobs');
    const card = page.getByRole('article', { name: 'alice-phone-daily' });
    await card.waitFor();
    await expect(page.getByRole('table').count()).resolves.toBe(0);
    await card.getByRole('link', { name: 'alice-phone-daily' }).waitFor();
    await card.getByRole('link', { name: 'succeeded' }).waitFor();
    await card.getByText('At 04:30').waitFor();
    await card.getByText('Next run').waitFor();
    for (const name of ['Run now', 'Pause', 'Edit']) {
      await expect(card.getByRole('button', { name }).count()).resolves.toBe(1);
    }
    // job_manager may delete its own jobs (GrantJobDeleteToJobManager).
    await card.getByRole('button', { name: 'Delete' }).waitFor();
    const long = page.getByRole('article', { name: LONG_NAME });
    await long.getByText('paused', { exact: true }).waitFor();
    await long.getByRole('link', { name: LONG_NAME }).waitFor();
    await long.getByText('never ran').waitFor();
    await long.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await sidewaysOverflow(page)).toBe(0);
    // The card's buttons act on its job.
    await card.getByRole('button', { name: 'Pause' }).click();
    await card.getByRole('button', { name: 'Resume' }).waitFor();
    expect(((await rest.as(alice).get(`/api/v1/jobs/${daily.job_id}`)).body as { paused: boolean }).paused).toBe(true);
    await card.getByRole('button', { name: 'Resume' }).click();
    await card.getByRole('button', { name: 'Pause' }).waitFor();
    expect(((await rest.as(alice).get(`/api/v1/jobs/${daily.job_id}`)).body as { paused: boolean }).paused).toBe(false);
    await screenshots(page, 'phone-jobs');
    expect(alerts).toEqual([]);
  });

  it('keeps the edit dialog opened from a card open when the screen widens to the table, and saves', async () => {
    const page = await signIn(alice, '/jobs', 'Jobs');
    const card = page.getByRole('article', { name: 'alice-phone-daily' });
    await card.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Minute').waitFor();
    await page.setViewportSize(DESKTOP);
    // The list is a table again, and the dialog did not go with the card.
    await page.getByRole('row', { name: /alice-phone-daily/ }).waitFor();
    await expect(page.getByRole('article').count()).resolves.toBe(0);
    await dialog.getByLabel('Minute').fill('45');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('alice-phone-daily: saved').waitFor();
    await dialog.waitFor({ state: 'detached' });
    expect(((await rest.as(alice).get(`/api/v1/jobs/${daily.job_id}`)).body as { minute: string }).minute).toBe('45');
  });

  it('lists executions as cards on the Executions page and a job page, with Stop on a running one', async () => {
    const sleeper = await rest.createJob(admin, {
      name: 'admin-phone-sleeper',
      job_class_string: 'ShellJob',
      pub_args: ['/bin/sh', '-c', 'sleep 30'],
      paused: true,
    });
    const running = await runAndWait(admin, sleeper, 'running');
    const page = await signIn(admin, '/executions', 'Executions');
    const card = page.getByRole('article', { name: 'admin-phone-sleeper, running' });
    await card.getByRole('link', { name: 'admin-phone-sleeper' }).waitFor();
    await card.getByRole('link', { name: 'running' }).waitFor();
    await card.getByText('Started').waitFor();
    // An admin sees alice's runs too, each linked to its job and execution, with its trigger.
    const done = page.getByRole('article', { name: 'alice-phone-daily, succeeded' }).first();
    await done.getByText('Duration').waitFor();
    await done.getByText('manual').waitFor();
    await expect(done.getByRole('button', { name: 'Stop' }).count()).resolves.toBe(0);
    await expect(page.getByRole('table').count()).resolves.toBe(0);
    expect(await sidewaysOverflow(page)).toBe(0);
    await screenshots(page, 'phone-executions');
    await card.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('article', { name: 'admin-phone-sleeper, stopped' }).waitFor();
    await waitFor('the run stopped', async () =>
      (await db.executions(sleeper.job_id)).some((row) => row.id === running && row.state === 'stopped'),
    );

    await page.getByRole('article', { name: 'alice-phone-daily, succeeded' }).first().getByRole('link').first().click();
    await page.getByRole('heading', { name: 'alice-phone-daily' }).waitFor();
    await page.getByRole('heading', { name: 'Recent executions' }).waitFor();
    // On a job's page the cards lead with the state; the job is the page's.
    const recent = page.getByRole('article', { name: 'succeeded' });
    await waitFor('two runs on the job page', async () => (await recent.count()) === 2);
    await recent.first().getByText('manual').waitFor();
    await expect(page.getByRole('table').count()).resolves.toBe(0);
    expect(await sidewaysOverflow(page)).toBe(0);
    await screenshots(page, 'phone-job');
  });

  it('offers a viewer no action on the phone cards', async () => {
    const page = await signIn(viewer, '/jobs', 'Jobs');
    const card = page.getByRole('article', { name: 'viewer-phone-job' });
    await card.getByRole('link', { name: 'viewer-phone-job' }).waitFor();
    await card.getByText('never ran').waitFor();
    for (const name of ['New job', 'Edit', 'Delete', 'Pause', 'Resume', 'Run now', 'Stop']) {
      await expect(page.getByRole('button', { name }).count()).resolves.toBe(0);
    }
    // Nobody else's job shows up.
    await expect(page.getByRole('article').count()).resolves.toBe(1);
    await expect(page.getByText('alice-phone-daily').count()).resolves.toBe(0);
  });

  it('keeps the tables at desktop size, every column fitting without scrolling sideways', async () => {
    // An admin sees everyone's jobs: the widest Jobs table (owner column, every action).
    const page = await signIn(admin, '/jobs', 'Jobs', DESKTOP);
    await page
      .getByRole('row', { name: /alice-phone-daily/ })
      .getByRole('button', { name: 'Delete' })
      .waitFor();
    await page.getByRole('columnheader', { name: 'Owner' }).waitFor();
    await expect(page.getByRole('article').count()).resolves.toBe(0);
    expect(await tableOverflow(page)).toBe(0);
    await page.getByRole('link', { name: 'Executions' }).click();
    await page
      .getByRole('row', { name: /alice-phone-daily/ })
      .first()
      .waitFor();
    expect(await tableOverflow(page)).toBe(0);
  });
});
