// Webhooks in a real Chromium, against the built server (`dist/src/main.js`): a webhook added on the
// Account page to a receiver this test runs on 127.0.0.1 (opened by HTTP_JOB_ALLOW for this test's
// instances only), its secret shown once, "Send test event" delivered and signed with that secret,
// "Redeliver", a webhook added from a job's page for that job, and delete with a confirmation.
// Screenshots land in test-output/screenshots (desktop 1280×800 and phone 390×844).
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Actor, loginAdmin, newRole, newUser } from './support/actors.js';
import { PHONE, screenshots } from './support/browser.js';
import { Db, restClient, waitFor } from './support/scheduling.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

/** Loopback is denied to CurlJob and webhooks by default; these instances (both of them) allow it. */
const ENV = { HTTP_JOB_ALLOW: '127.0.0.1/32' };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; event: string; data: Record<string, unknown> };
}

describe('Webhooks in a real browser', () => {
  let ui: UiHarness;
  let alice: Actor;
  let jobId: string;
  let server: Server;
  const got: Received[] = [];
  const hookUrl = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  /** A job name that would run script if it were rendered as HTML. */
  const jobName = 'nightly <img src=x onerror=alert(1)>';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        got.push({ path: req.url ?? '/', headers: req.headers, raw, body: JSON.parse(raw) as Received['body'] });
        res.statusCode = 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ui = await startUi({ app: { env: ENV }, serverEnv: ENV });
    alice = await newUser(ui.t, { roles: ['job_manager'] });
    const job = await restClient(ui.t).createJob(alice, {
      name: jobName,
      job_class_string: 'SampleJob',
      pub_args: ['x'],
      paused: true,
    });
    jobId = job.job_id;
  });
  afterAll(async () => {
    await ui?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('adds a webhook on the Account page, shows its secret once, sends a test event, redelivers and deletes it', async () => {
    const { context, page } = await ui.signIn(alice, { path: '/account', heading: 'Account' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.base });
    const section = page.getByRole('region', { name: 'Webhooks' });
    await section.getByText('No webhooks yet').waitFor();

    await section.getByRole('button', { name: 'Add webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add webhook' });
    // all nine events offered, the two failure ones ticked
    await expect(dialog.getByRole('checkbox').count()).resolves.toBe(9);
    await expect(dialog.getByRole('checkbox', { name: 'execution.failed' }).isChecked()).resolves.toBe(true);
    await expect(dialog.getByRole('checkbox', { name: 'job.deleted' }).isChecked()).resolves.toBe(false);

    // A refused URL: the server's 400 shows next to the URL field, nothing is created.
    await dialog.getByRole('textbox', { name: 'URL' }).fill('ftp://example.com/hook');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    const urlError = dialog.locator('.mantine-TextInput-error');
    await urlError.waitFor();
    await expect(urlError.textContent()).resolves.toBe('url must be an http:// or https:// URL');
    // An address CurlJob's rules deny (a private network): refused the same way, saying why.
    await dialog.getByRole('textbox', { name: 'URL' }).fill('http://10.0.0.1/hook');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    await dialog
      .locator('.mantine-TextInput-error')
      .filter({ hasText: 'url: webhooks are never sent to 10.0.0.1' })
      .waitFor();
    // No event ticked: the events field says so.
    await dialog.getByRole('checkbox', { name: 'execution.failed' }).uncheck();
    await dialog.getByRole('checkbox', { name: 'execution.timeout' }).uncheck();
    await dialog.getByRole('textbox', { name: 'URL' }).fill(hookUrl('/account'));
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    const eventsError = dialog.locator('.mantine-CheckboxGroup-error');
    await eventsError.waitFor();
    await expect(eventsError.textContent()).resolves.toMatch(/^events /);
    await screenshots(page, 'webhook-dialog-refused');

    await dialog.getByRole('checkbox', { name: 'execution.failed' }).check();
    await dialog.getByRole('checkbox', { name: 'job.paused' }).check();
    await expect(dialog.getByRole('combobox', { name: 'Job' }).inputValue()).resolves.toBe('All my jobs');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();

    const shown = page.getByRole('dialog', { name: 'Webhook added' });
    await shown.getByText('Copy the signing secret now: you will not see it again').waitFor();
    const secret = (await shown.getByLabel('Signing secret', { exact: true }).textContent()) ?? '';
    expect(secret).toMatch(/^whsec_\S{20,}$/);
    await shown.getByRole('button', { name: 'Copy secret' }).click();
    await shown.getByRole('button', { name: 'Copied' }).waitFor();
    await expect(page.evaluate<string>('navigator.clipboard.readText()')).resolves.toBe(secret);
    await screenshots(page, 'webhook-secret');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'hidden' });

    const db = await Db.connect(ui.t);
    try {
      const rows = await db.rows<{ id: string; job_id: string | null; events: string[]; secret: string }>(
        'SELECT id, job_id, events, secret FROM webhooks WHERE owner_id = $1',
        [alice.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ job_id: null, events: ['execution.failed', 'job.paused'], secret });
      const webhookId = rows[0].id;

      // Listed: URL, events, "All my jobs", active; the secret never again.
      const row = section.getByRole('row').filter({ hasText: hookUrl('/account') });
      await row.waitFor();
      await expect(row.textContent()).resolves.toContain('execution.failed, job.paused');
      await expect(row.textContent()).resolves.toContain('All my jobs');
      await expect(row.textContent()).resolves.toContain('active');
      await page.reload();
      await row.waitFor();
      await expect(page.content()).resolves.not.toContain(secret);
      await screenshots(page, 'account-webhooks');

      // Its page: no delivery yet; "Send test event" → a signed ping, shown as succeeded.
      await row.getByRole('link', { name: /^Deliveries/ }).click();
      await page.getByRole('heading', { name: 'Webhook', exact: true }).waitFor();
      expect(page.url()).toBe(`${ui.base}/webhooks/${webhookId}`);
      await page.getByText('No delivery yet').waitFor();
      await page.getByRole('button', { name: 'Send test event' }).click();
      const log = page.getByRole('table', { name: 'Deliveries' });
      const ping = log.getByRole('row').filter({ hasText: 'ping' });
      await ping.filter({ hasText: 'succeeded' }).waitFor({ timeout: 15_000 });
      await expect(ping.textContent()).resolves.toContain('200');
      const received = await waitFor('the ping at the receiver', () =>
        Promise.resolve(got.find((each) => each.path === '/account')),
      );
      expect(received.body.event).toBe('ping');
      expect(received.headers['x-cronwarden-event']).toBe('ping');
      const expected = `sha256=${createHmac('sha256', secret).update(received.raw).digest('hex')}`;
      expect(received.headers['x-cronwarden-signature']).toBe(expected);
      await screenshots(page, 'webhook-deliveries');

      // Redeliver: the same delivery id reaches the receiver again; the log shows two attempts.
      await ping.getByRole('button', { name: /^Redeliver ping/ }).click();
      await waitFor('the redelivered ping', () =>
        Promise.resolve(got.filter((each) => each.path === '/account').length === 2),
      );
      const both = got.filter((each) => each.path === '/account');
      expect(both[1].headers['x-cronwarden-delivery']).toBe(both[0].headers['x-cronwarden-delivery']);
      await ping.getByRole('button', { name: '2 attempts' }).waitFor({ timeout: 15_000 });
      await ping.getByRole('button', { name: '2 attempts' }).click();
      await expect(log.getByText(/^#2 /).count()).resolves.toBe(1);
      await screenshots(page, 'webhook-attempts');

      // Delete, with a confirmation: back on the Account page, nothing left.
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this webhook?' });
      await confirm.waitFor();
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('heading', { name: 'Account', exact: true }).waitFor();
      await section.getByText('No webhooks yet').waitFor();
      await expect(db.count('SELECT count(*) AS count FROM webhooks WHERE id = $1', [webhookId])).resolves.toBe(0);
      await expect(
        db.count('SELECT count(*) AS count FROM webhook_deliveries WHERE webhook_id = $1', [webhookId]),
      ).resolves.toBe(0);
    } finally {
      await db.end();
    }
    expect(ui.alerts).toEqual([]);
    await context.close();
  });

  it('adds a webhook for a job from its page (the job pre-filled), listed on the phone as a card', async () => {
    const { context, page } = await ui.signIn(alice, { path: `/jobs/${jobId}`, heading: jobName });
    const section = page.getByRole('region', { name: 'Webhooks' });
    await section.getByText('No webhook for this job yet').waitFor();
    await section.getByRole('button', { name: 'Add webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add webhook' });
    await expect(dialog.getByRole('combobox', { name: 'Job' }).inputValue()).resolves.toBe(jobName);
    await dialog.getByRole('textbox', { name: 'URL' }).fill(hookUrl('/job'));
    await screenshots(page, 'webhook-dialog');
    await dialog.getByRole('button', { name: 'Add webhook' }).click();
    const shown = page.getByRole('dialog', { name: 'Webhook added' });
    await shown.getByLabel('Signing secret', { exact: true }).waitFor();
    await shown.getByRole('button', { name: 'Done' }).click();
    await section
      .getByRole('row')
      .filter({ hasText: hookUrl('/job') })
      .waitFor();

    const db = await Db.connect(ui.t);
    let webhookId: string;
    try {
      const rows = await db.rows<{ id: string; job_id: string | null; events: string[] }>(
        'SELECT id, job_id, events FROM webhooks WHERE owner_id = $1 AND url = $2',
        [alice.id, hookUrl('/job')],
      );
      expect(rows).toEqual([
        { id: expect.any(String), job_id: jobId, events: ['execution.failed', 'execution.timeout'] },
      ]);
      webhookId = rows[0].id;
    } finally {
      await db.end();
    }
    await screenshots(page, 'job-webhooks');

    // The delivery log is paged (20 a page, the page in the address): 21 test events make two pages.
    for (let i = 0; i < 21; i++) {
      const res = await restClient(ui.t).as(alice).post(`/api/v1/webhooks/${webhookId}/test`);
      expect(res.status).toBe(202);
    }
    await page.goto(`${ui.base}/webhooks/${webhookId}`);
    await page.getByText('21 deliveries').waitFor();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await expect(log.getByRole('row').count()).resolves.toBe(21); // the header and 20
    await page.getByRole('button', { name: '2', exact: true }).click();
    await page.waitForURL(`${ui.base}/webhooks/${webhookId}?page=2`);
    await waitFor('page 2 of the log', async () => (await log.getByRole('row').count()) === 2);
    await page.getByRole('link', { name: `← ${jobName}` }).click();
    await page.getByRole('heading', { name: jobName }).waitFor();

    // On a phone: a card per webhook with its actions, no table.
    await page.setViewportSize(PHONE);
    const card = section.getByRole('article', { name: `Webhook to ${hookUrl('/job')}` });
    await card.waitFor();
    await expect(section.getByRole('table').count()).resolves.toBe(0);
    await card.getByRole('link', { name: /^Deliveries/ }).waitFor();
    await card.getByRole('button', { name: /^Delete/ }).waitFor();

    // The Account page lists it too, naming its job (as text).
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${ui.base}/account`);
    const row = page
      .getByRole('region', { name: 'Webhooks' })
      .getByRole('row')
      .filter({ hasText: hookUrl('/job') });
    await row.waitFor();
    await row.getByText(jobName).waitFor();
    expect(ui.alerts).toEqual([]);
    await context.close();
  });

  it('shows an admin every user’s webhooks with their owner (disable, enable), and offers none to a user without job_view', async () => {
    const admin = await loginAdmin(ui.t);
    const { context, page } = await ui.signIn(admin, { path: '/account', heading: 'Account' });
    const row = page
      .getByRole('region', { name: 'Webhooks' })
      .getByRole('row')
      .filter({ hasText: hookUrl('/job') });
    await row.waitFor();
    await page.getByRole('region', { name: 'Webhooks' }).getByRole('columnheader', { name: 'Owner' }).waitFor();
    await expect(row.textContent()).resolves.toContain(alice.username);
    // The job's name comes with the job list, which may answer after the webhooks.
    await row.getByText(jobName).first().waitFor();

    // Disable (the reason shown, tests and redeliveries not offered), then enable again.
    await row.getByRole('link', { name: /^Deliveries/ }).click();
    await page.getByRole('heading', { name: 'Webhook', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Disable' }).click();
    const disabled = page.getByRole('alert').filter({ hasText: 'Disabled: nothing is delivered' });
    await disabled.waitFor();
    await expect(disabled.textContent()).resolves.toContain(`disabled by ${admin.username}`);
    await expect(page.getByRole('button', { name: 'Send test event' }).isDisabled()).resolves.toBe(true);
    await expect(
      page
        .getByRole('button', { name: /^Redeliver/ })
        .first()
        .isDisabled(),
    ).resolves.toBe(true);
    const db = await Db.connect(ui.t);
    try {
      const [hook] = await db.rows<{ active: boolean; disabled_reason: string | null }>(
        'SELECT active, disabled_reason FROM webhooks WHERE url = $1',
        [hookUrl('/job')],
      );
      expect(hook).toEqual({ active: false, disabled_reason: `disabled by ${admin.username}` });
      await screenshots(page, 'webhook-disabled');
      await page.getByRole('button', { name: 'Enable' }).click();
      await disabled.waitFor({ state: 'hidden' });
      await expect(page.getByRole('button', { name: 'Send test event' }).isEnabled()).resolves.toBe(true);
      await expect(
        db.count('SELECT count(*) AS count FROM webhooks WHERE url = $1 AND active', [hookUrl('/job')]),
      ).resolves.toBe(1);
    } finally {
      await db.end();
    }
    await context.close();

    await newRole(ui.t, 'history-reader', ['execution_view']);
    const reader = await newUser(ui.t, { roles: ['history-reader'] });
    const signedIn = await ui.signIn(reader, { path: '/account', heading: 'Account' });
    await signedIn.page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await expect(signedIn.page.getByRole('region', { name: 'Webhooks' }).count()).resolves.toBe(0);
    // Its own page says which permission it needs.
    await signedIn.page.goto(`${ui.base}/webhooks/00000000-0000-4000-8000-000000000000`);
    await signedIn.page.getByText('Webhooks needs the job_view permission').waitFor();
    await signedIn.context.close();
  });
});
