// Live updates in a real Chromium (issue 12, items 6–8): the event stream keeps the views fresh
// without polling, a running ShellJob's output is followed as it is written, and a failed run of the
// user's own job shows a toast. Same harness as test/ui.e2e-spec.ts (the built server, its own process).
import type { BrowserContext, Page, Request } from 'playwright-core';
import { loginAdmin, newUser, type Actor } from './support/actors.js';
import { screenshots } from './support/browser.js';
import { type ExecutionBody, restClient, sleep } from './support/scheduling.js';
import type { TestApp } from './support/test-app.js';
import { startUi, type UiHarness } from './support/ui-harness.js';

/** A list request of the views (what polling would repeat). */
const LIST_REQUEST = /\/api\/v1\/(executions|jobs)\?/;

describe('live updates in the web UI', () => {
  let ui: UiHarness;
  let t: TestApp;
  let base: string;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let alice: Actor;
  const opened: BrowserContext[] = [];

  beforeAll(async () => {
    ui = await startUi();
    ({ t, base } = ui);
    rest = restClient(t);
    admin = await loginAdmin(t);
    alice = await newUser(t, { roles: ['job_manager'] });
  });
  afterAll(async () => {
    for (const context of opened) await context.close().catch(() => undefined);
    await ui?.close();
  });

  async function signIn(actor: Actor, path: string, heading: string): Promise<Page> {
    const { context, page } = await ui.signIn(actor, { path, heading });
    opened.push(context);
    return page;
  }

  async function runNow(actor: Actor, jobId: string): Promise<string> {
    const res = await rest.as(actor).post(`/api/v1/executions/${jobId}`);
    if (res.status !== 201) throw new Error(`run now failed: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { execution_id: string }).execution_id;
  }

  async function execution(actor: Actor, id: string): Promise<ExecutionBody> {
    const res = await rest.as(actor).get(`/api/v1/executions/${id}`);
    expect(res.status).toBe(200);
    return res.body as ExecutionBody;
  }

  /** The page's requests from now on, with the time each was sent. */
  function recordRequests(page: Page): { url: string; at: number }[] {
    const seen: { url: string; at: number }[] = [];
    page.on('request', (request: Request) => seen.push({ url: request.url(), at: Date.now() }));
    return seen;
  }

  it('shows a running ShellJob’s output line by line while it runs, then its stored result', async () => {
    const job = await rest.createJob(admin, {
      name: 'five lines, one a second',
      job_class_string: 'ShellJob',
      pub_args: ['/bin/sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; sleep 1; done'],
      paused: true,
    });
    const page = await signIn(admin, '/jobs', 'Jobs');
    await page.getByRole('status', { name: 'Updates: Live' }).waitFor();
    const id = await runNow(admin, job.job_id);
    const started = Date.now();
    await page.goto(`${base}/executions/${id}`);
    await page.getByRole('heading', { name: 'Output' }).waitFor();
    const stdout = page.getByRole('log', { name: 'Live stdout' });
    await stdout.getByText('line1').waitFor({ timeout: 5000 });
    const firstSeen = Date.now();
    // line1 is on screen before line5 is even written (4 s later).
    expect(await stdout.textContent()).not.toContain('line5');
    expect(firstSeen - started).toBeLessThan(4000);
    await stdout.getByText(/line2/).waitFor({ timeout: 3000 });
    expect(await stdout.textContent()).not.toContain('line5');
    await screenshots(page, 'live-output-running');
    // When it ends, the stored result replaces the live view, as for any finished execution.
    await page.getByRole('heading', { name: 'Result' }).waitFor({ timeout: 10_000 });
    await page.getByText('succeeded', { exact: true }).waitFor();
    const stored = await execution(admin, id);
    expect(stored.state).toBe('succeeded');
    expect(JSON.parse(stored.result ?? '{}')).toMatchObject({ stdout: 'line1\nline2\nline3\nline4\nline5\n' });
    await expect(page.getByText(/line1\s+line2\s+line3\s+line4\s+line5/).count()).resolves.toBeGreaterThan(0);
    await screenshots(page, 'live-output-finished');
    await page.context().close();
  });

  it('changes an execution’s state on screen within 2 s, with no list request repeating on a timer', async () => {
    const job = await rest.createJob(admin, {
      name: 'six seconds of work',
      job_class_string: 'SampleJob',
      pub_args: ['slow', 6],
      paused: true,
    });
    const page = await signIn(admin, '/executions', 'Executions');
    const requests = recordRequests(page);
    await page.getByRole('status', { name: 'Updates: Live' }).waitFor();

    // What the list answered, so that a failure below says whether the row was sent (and in which state).
    const answers: Array<{ at: number; status: number; state: string | undefined }> = [];
    page.on('response', (response) => {
      if (!/\/api\/v1\/executions\?/.test(response.url())) return;
      const at = Date.now();
      void response
        .json()
        .then((body: { executions?: Array<{ state: string; job: { name: string } }> }) =>
          answers.push({
            at,
            status: response.status(),
            state: body.executions?.find((e) => e.job.name === job.name)?.state,
          }),
        )
        .catch(() => answers.push({ at, status: response.status(), state: 'unreadable' }));
    });
    const id = await runNow(admin, job.job_id);
    const asked = Date.now();
    const row = page.getByRole('row').filter({ hasText: job.name });
    await row
      .getByText('running', { exact: true })
      .waitFor({ timeout: 5000 })
      .catch((error: Error) => {
        const seen = answers.map((answer) => ({ ...answer, at: answer.at - asked }));
        throw new Error(
          `${error.message}\nlist answers after run now (ms, status, the job's state): ${JSON.stringify(seen)}`,
        );
      });
    await row.getByText('succeeded', { exact: true }).waitFor({ timeout: 15_000 });
    const seen = Date.now();
    const finished = await execution(admin, id);
    expect(finished.state).toBe('succeeded');
    // From the change committed (updated_time) to the screen.
    expect(seen - new Date(finished.updated_time).getTime()).toBeLessThan(2000);

    // Quiet: nothing changes, and nothing is fetched again (polling every 3 s would have fetched twice).
    const quietFrom = Date.now();
    await sleep(7000);
    const during = requests.filter((request) => LIST_REQUEST.test(request.url) && request.at >= quietFrom);
    expect(during).toEqual([]);
    // While it ran: a refetch per event at most (created, running, finished), never a stream of them.
    const lists = requests.filter((request) => LIST_REQUEST.test(request.url));
    expect(lists.length).toBeLessThanOrEqual(4);
    // The stream is up, opened once, without the token in its URL.
    await expect(page.getByRole('status', { name: 'Updates: Live' }).isVisible()).resolves.toBe(true);
    const streams = requests.filter((request) => request.url.includes('/api/v1/events'));
    expect(streams.length).toBeLessThanOrEqual(1);
    expect(requests.some((request) => /token|bearer/i.test(request.url))).toBe(false);
    await page.context().close();
  });

  it('tells the user when a run of their own job fails, with a link to it (and nobody else)', async () => {
    const job = await rest.createJob(alice, {
      name: 'alice breaks on purpose',
      job_class_string: 'SampleJob',
      pub_args: ['boom', 0, true],
      paused: true,
    });
    const page = await signIn(alice, '/jobs', 'Jobs');
    const adminPage = await signIn(admin, '/executions', 'Executions');
    await page.getByRole('status', { name: 'Updates: Live' }).waitFor();
    await adminPage.getByRole('status', { name: 'Updates: Live' }).waitFor();

    const id = await runNow(alice, job.job_id);
    const toast = page.getByRole('alert').filter({ hasText: `${job.name} failed` });
    await toast.waitFor({ timeout: 5000 });
    expect((await execution(alice, id)).state).toBe('failed');
    await screenshots(page, 'live-failure-toast');
    // The admin sees the run fail in the list but is not told: it is not the admin's job.
    await adminPage.getByRole('row').filter({ hasText: job.name }).getByText('failed', { exact: true }).waitFor();
    await expect(adminPage.getByText(`${job.name} failed`).count()).resolves.toBe(0);

    await toast.getByRole('link', { name: 'Open the execution' }).click();
    await page.waitForURL(`${base}/executions/${id}`);
    await page.getByRole('heading', { name: 'Execution of' }).waitFor();
    await page.getByText('failed', { exact: true }).first().waitFor();
    await expect(page.getByText('SampleJob failed on request').count()).resolves.toBeGreaterThan(0);
    await Promise.all([page.context().close(), adminPage.context().close()]);
  });

  it('polls the lists while the stream is down, and stops polling once it is back', async () => {
    const page = await signIn(admin, '/executions', 'Executions');
    await page.getByRole('status', { name: 'Updates: Live' }).waitFor();
    // The stream cannot be reached (a proxy that drops it, a server without it): the page falls back.
    await page.route('**/api/v1/events', (route) => route.abort());
    await page.reload();
    await page.getByRole('heading', { name: 'Executions', exact: true }).waitFor();
    await page.getByRole('status', { name: 'Updates: Reconnecting…' }).waitFor();
    const requests = recordRequests(page);
    await sleep(7000);
    expect(requests.filter((request) => LIST_REQUEST.test(request.url)).length).toBeGreaterThanOrEqual(2);

    await page.unroute('**/api/v1/events');
    await page.getByRole('status', { name: 'Updates: Live' }).waitFor({ timeout: 40_000 });
    const quietFrom = Date.now();
    await sleep(7000);
    expect(requests.filter((request) => LIST_REQUEST.test(request.url) && request.at >= quietFrom)).toEqual([]);
    await page.context().close();
  });
});
