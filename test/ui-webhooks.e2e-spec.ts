// The Account page's "Webhooks" section in a real Chromium, against the built server
// (`dist/src/main.js`): a webhook made in the UI (secret shown once) gets a signed test event, and the
// delivery log shows it; a denied URL is refused with the reason.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newUser, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { waitFor } from './support/scheduling.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

const ALLOW = { HTTP_JOB_ALLOW: '127.0.0.1/32' };

describe('Webhooks on the Account page in a real browser', () => {
  let ui: UiHarness;
  let user: Actor;
  const got: Array<{ headers: IncomingHttpHeaders; raw: string }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    ui = await startUi({ app: { env: ALLOW }, serverEnv: ALLOW });
    user = await newUser(ui.t, { roles: ['job_manager'] });
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await ui?.close();
  });

  it('creates a webhook (secret shown once), sends a test event that verifies, and shows it in the log', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ui-hook`;
    const { page } = await ui.signIn(user, { path: '/account', heading: 'Account' });
    const section = page.locator('.mantine-Card-root').filter({ has: page.getByRole('heading', { name: 'Webhooks' }) });
    await section.getByText('No webhooks yet.').waitFor();

    await page.getByRole('button', { name: 'New webhook' }).click();
    let dialog = page.getByRole('dialog', { name: 'New webhook' });
    await dialog.getByLabel('URL').fill('http://10.0.0.1/hook');
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    await dialog.getByText('url: webhooks are never sent to 10.0.0.1: it is an RFC 1918 private address').waitFor();

    await dialog.getByLabel('URL').fill(url);
    await dialog.getByRole('checkbox', { name: 'job.paused' }).check();
    await dialog.getByRole('button', { name: 'Create webhook' }).click();
    dialog = page.getByRole('dialog', { name: 'Your new webhook' });
    await dialog.getByText('Copy the signing secret now: it will not be shown again').waitFor();
    const secret = (await dialog.getByLabel('Webhook secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await screenshots(page, 'account-webhook-secret');
    await dialog.getByRole('button', { name: 'Done' }).click();

    const row = section.getByRole('row').filter({ hasText: url });
    await row.getByText('execution.failed, execution.timeout, job.paused').waitFor();
    await row.getByRole('button', { name: 'Send test event' }).click();
    const ping = await waitFor('the ping', () =>
      Promise.resolve(got.find((each) => each.headers['x-cronwarden-event'] === 'ping')),
    );
    const signature = `sha256=${createHmac('sha256', secret).update(ping.raw).digest('hex')}`;
    expect(ping.headers['x-cronwarden-signature']).toBe(signature);

    await row.getByRole('button', { name: 'Deliveries' }).click();
    const log = page.getByRole('dialog', { name: `Deliveries to ${url}` });
    const entry = log.getByRole('row').filter({ hasText: 'ping' });
    await entry.getByText('succeeded').waitFor();
    await entry.getByText('204', { exact: false }).waitFor();
    await screenshots(page, 'account-webhook-deliveries');
    expect(ui.alerts).toEqual([]);
  });
});
