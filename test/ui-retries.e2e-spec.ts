// Retries in a real Chromium, against the built server (`dist/src/main.js`): the job dialog's
// "Retries" section saves the four fields, and a retry's page says "retry, attempt 3 of 3" and links
// its first attempt. Screenshots land in test-output/screenshots (desktop 1280×800 and phone 390×844).
import { type Actor, newUser } from './support/actors.js';
import path from 'node:path';
import { PHONE, SCREENSHOTS, screenshots } from './support/browser.js';
import { Db, restClient, waitFor } from './support/scheduling.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

describe('retries in a real browser', () => {
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

  it('the job dialog sets retries; a retry says its attempt and links the first one', async () => {
    const { context, page } = await ui.signIn(alice);
    await page.getByRole('button', { name: 'New job' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('fails thrice');
    await dialog.getByPlaceholder('Pick a job class').click();
    await page.getByRole('option', { name: /SampleJob/ }).click();
    await dialog.getByLabel('message').fill('boom');
    await dialog.getByRole('button', { name: 'Retries' }).click();
    await dialog.getByRole('textbox', { name: 'Retries', exact: true }).fill('2');
    await dialog.getByLabel('Retry delay (s)').fill('1');
    await dialog.getByLabel('Longest delay (s)').fill('5');
    await dialog.getByText(/^Back off/).scrollIntoViewIfNeeded();
    await screenshots(page, 'job-dialog-retries');
    // The phone's dialog scrolled down to the section as well (one column there).
    const viewport = page.viewportSize();
    await page.setViewportSize(PHONE);
    await dialog.getByText(/^Back off/).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'job-dialog-retries-fields-phone.png') });
    if (viewport) await page.setViewportSize(viewport);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const [row] = await db.rows<{ id: string; retries: number; retry_delay_seconds: number }>(
      `SELECT id, retries, retry_delay_seconds, retry_backoff, retry_delay_max_seconds FROM jobs WHERE name = 'fails thrice'`,
    );
    expect(row).toMatchObject({ retries: 2, retry_delay_seconds: 1, retry_backoff: true, retry_delay_max_seconds: 5 });

    // Make it fail (SampleJob's third argument) and run it now: three attempts.
    await rest
      .as(alice)
      .put(`/api/v1/jobs/${row.id}`)
      .send({ pub_args: ['boom', 0, true] })
      .expect(200);
    const run = await rest.as(alice).post(`/api/v1/executions/${row.id}`).expect(201);
    const first = (run.body as { execution_id: string }).execution_id;
    const last = await waitFor('the third attempt to end', async () => {
      const [found] = await db.rows<{ id: string }>(
        `SELECT id FROM executions WHERE retry_of = $1 AND attempt = 3 AND finished_time IS NOT NULL`,
        [first],
      );
      return found;
    });

    await page.goto(`${ui.base}/jobs/${row.id}`);
    await page.getByText('2, after about 1 s, doubling up to 5 s').waitFor();
    await page.getByText('retry, attempt 3').first().waitFor();
    await page.goto(`${ui.base}/executions/${last.id}`);
    await page.getByText('retry, attempt 3 of 3').waitFor();
    await screenshots(page, 'execution-retry');
    await page.getByRole('link', { name: 'the first attempt' }).click();
    await page.waitForURL(`${ui.base}/executions/${first}`);
    await page.getByText('manual', { exact: true }).waitFor();
    expect(ui.alerts).toEqual([]);
    await context.close();
  });
});
