// Interval and date triggers in a real Chromium, against the built server (`dist/src/main.js`): the job
// dialog's trigger control (Cron / Interval / Once at) with its fields and jitter, the schedule in words
// as typed, a past run date refused under its field, and the list and job page saying each schedule.
// Screenshots land in test-output/screenshots (desktop 1280×800 and phone 390×844).
import type { Page } from 'playwright-core';
import { type Actor, newUser } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { Db, restClient } from './support/scheduling.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

interface JobBody {
  job_id: string;
  name: string;
  trigger: string;
  interval_seconds: number | null;
  run_date: string | null;
  start_date: string | null;
  jitter_seconds: number;
  minute: string;
}

/** An instant as the browser's `datetime-local` value (the browser's own zone). */
const localInput = (page: Page, iso: string): Promise<string> =>
  page.evaluate((at) => {
    const date = new Date(at);
    const pad = (value: number) => String(value).padStart(2, '0');
    return (
      `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
      `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    );
  }, iso);

describe('interval and date triggers in a real browser', () => {
  let ui: UiHarness;
  let alice: Actor;
  let db: Db;
  let rest: ReturnType<typeof restClient>;

  beforeAll(async () => {
    ui = await startUi();
    alice = await newUser(ui.t, { roles: ['job_manager'] });
    db = await Db.connect(ui.t);
    rest = restClient(ui.t);
  });
  afterAll(async () => {
    await db?.end();
    await ui?.close();
  });

  const jobNamed = async (name: string): Promise<JobBody> => {
    const res = await rest.as(alice).get('/api/v1/jobs').query({ q: name });
    const jobs = (res.body as { jobs: JobBody[] }).jobs;
    expect(jobs).toHaveLength(1);
    return jobs[0];
  };

  async function openNewJob(page: Page, name: string): Promise<ReturnType<Page['getByRole']>> {
    await page.getByRole('button', { name: 'New job' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByPlaceholder('Pick a job class').click();
    await page.getByRole('option', { name: /SampleJob/ }).click();
    await dialog.getByLabel('message').fill('hello');
    return dialog;
  }

  it('creates an interval job with jitter: "Every 2 minutes" as typed, its next fires, the fields saved', async () => {
    const { context, page } = await ui.signIn(alice);
    const dialog = await openNewJob(page, 'every-two-minutes');
    await dialog.getByText('Interval', { exact: true }).click();
    await expect(dialog.getByLabel('Minute').count()).resolves.toBe(0); // the cron fields are gone
    await dialog.getByLabel('Every (seconds)').fill('120');
    await dialog.getByText('Every 2 minutes (UTC)').waitFor();
    await expect(dialog.getByRole('list', { name: 'Next fire times' }).getByRole('listitem').count()).resolves.toBe(5);
    await dialog.getByRole('button', { name: 'Advanced' }).click();
    await dialog.getByLabel('Jitter (s)').fill('5');
    await screenshots(page, 'job-dialog-interval');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const job = await jobNamed('every-two-minutes');
    expect(job).toMatchObject({ trigger: 'interval', interval_seconds: 120, jitter_seconds: 5, minute: '*' });
    expect(job.start_date).not.toBeNull();
    expect(await db.job(job.job_id)).toMatchObject({ trigger: 'interval', interval_seconds: 120, jitter_seconds: 5 });
    const row = page.getByRole('row', { name: /every-two-minutes/ });
    await row.getByText('Every 2 minutes').waitFor();

    // The job page says it too, with the jitter, and previews the grid.
    await page.goto(`${ui.base}/jobs/${job.job_id}`);
    await page.getByRole('heading', { name: 'every-two-minutes' }).waitFor();
    await page.getByText(/^Every 2 minutes, from .* \(UTC\)$/).waitFor();
    await page.getByText(/jitter up to 5 s/).waitFor();
    await page.getByText('Next fires').waitFor();
    expect(ui.alerts).toEqual([]);
    await context.close();
  });

  it('creates a job that runs once: a past run date is refused under its field, a future one saved', async () => {
    const { context, page } = await ui.signIn(alice);
    const dialog = await openNewJob(page, 'once-at');
    await dialog.getByText('Once at', { exact: true }).click();
    const runAt = dialog.getByLabel('Run at');
    await runAt.fill(await localInput(page, new Date(Date.now() - 3_600_000).toISOString()));
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText(/^run_date .* is not in the future$/).waitFor();
    await expect(db.count(`SELECT count(*) AS count FROM jobs WHERE name = 'once-at'`)).resolves.toBe(0);

    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 2 * 86_400_000).toISOString();
    await runAt.fill(await localInput(page, at));
    await dialog.getByText(/^Once at \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\)$/).waitFor();
    await expect(dialog.getByText(/is not in the future$/).count()).resolves.toBe(0); // edited: the error went
    await screenshots(page, 'job-dialog-once');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const job = await jobNamed('once-at');
    expect(job).toMatchObject({ trigger: 'date', run_date: at, interval_seconds: null });
    await page
      .getByRole('row', { name: /once-at/ })
      .getByText(/^Once at /)
      .waitFor();
    await screenshots(page, 'jobs-triggers');

    // Edit: the dialog opens on "Once at" with the run date; saving without a change keeps it.
    await page
      .getByRole('row', { name: /once-at/ })
      .getByRole('button', { name: 'Edit' })
      .click();
    const edit = page.getByRole('dialog');
    // (a browser drops ":00" seconds from a datetime-local value: compare the instants)
    const shown = await edit.getByLabel('Run at').inputValue();
    await expect(page.evaluate((value) => new Date(value).toISOString(), shown)).resolves.toBe(at);
    await edit.getByLabel('Name').fill('once-at-renamed');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('once-at-renamed: saved').waitFor();
    expect(await jobNamed('once-at-renamed')).toMatchObject({ trigger: 'date', run_date: at });
    expect(ui.alerts).toEqual([]);
    await context.close();
  });
});
