import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Actor, loginAdmin, newUser } from './support/actors.js';
import {
  Db,
  type ErrorBody,
  type ExecutionBody,
  ISO_UTC,
  type JobBody,
  restClient,
  sleep,
  UUID,
  waitFor,
} from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** The receiver runs on 127.0.0.1, which HTTP_JOB_ALLOW opens for these tests' instances only. */
const ENV = {
  HTTP_JOB_ALLOW: '127.0.0.1/32',
  WEBHOOK_RETRY_DELAY_MS: '300',
  WEBHOOK_TIMEOUT_MS: '2000',
};

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; event: string; created_time: string; data: Record<string, unknown> };
  at: number;
}

/** An HTTP receiver on loopback: records every request; answers what `answer` says (200 by default). */
interface Receiver {
  server: Server;
  url: (path?: string) => string;
  got: Received[];
  /** Status to answer a request, given how many requests its path had before, and its headers. */
  answer: (path: string, before: number, headers: IncomingHttpHeaders) => number;
  on(path: string): Received[];
  close(): Promise<void>;
}

async function receiver(): Promise<Receiver> {
  const server = createServer();
  const self: Receiver = {
    server,
    url: (path = '/hook') => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    got: [],
    answer: () => 200,
    on: (path) => self.got.filter((each) => each.path === path),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const before = self.on(path).length;
      self.got.push({ path, headers: req.headers, raw, body: JSON.parse(raw) as Received['body'], at: Date.now() });
      res.statusCode = self.answer(path, before, req.headers);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return self;
}

/** waitFor with a synchronous probe (what the receiver got so far). */
const until = <T>(
  what: string,
  probe: () => T | undefined | null | false,
  options?: { timeoutMs?: number; intervalMs?: number },
): Promise<T> => waitFor(what, () => Promise.resolve(probe()), options);

const verify = (secret: string, received: Received): boolean => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(received.raw).digest('hex')}`);
  const given = Buffer.from(String(received.headers['x-cronwarden-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
};

interface WebhookBody {
  id: string;
  url: string;
  events: string[];
  job_id: string | null;
  active: boolean;
  disabled_reason: string | null;
  secret?: string;
  owner: { id: string; username: string };
  created_time: string;
}

interface DeliveryBody {
  id: string;
  event: string;
  attempt: number;
  status: string;
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  created_time: string;
  next_attempt_time: string | null;
  attempts: Array<{ attempt: number; status: string; response_status: number | null; error: string | null }>;
}

const SAMPLE = (name: string, fail = false) => ({
  name,
  job_class_string: 'SampleJob',
  pub_args: ['hello', 0, fail],
  paused: true,
  max_instances: 10,
});

function helpers(t: TestApp) {
  const rest = restClient(t);
  return {
    rest,
    async webhook(actor: Actor, body: Record<string, unknown>): Promise<WebhookBody> {
      const res = await rest.as(actor).post('/api/v1/webhooks').send(body);
      if (res.status !== 201) throw new Error(`creating a webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as WebhookBody;
    },
    async runNow(actor: Actor, jobId: string): Promise<ExecutionBody> {
      const res = await rest.as(actor).post(`/api/v1/executions/${jobId}`);
      if (res.status !== 201) throw new Error(`run now failed: ${res.status} ${JSON.stringify(res.body)}`);
      const id = (res.body as { execution_id: string }).execution_id;
      return waitFor(`execution ${id} to end`, async () => {
        const got = await rest.as(actor).get(`/api/v1/executions/${id}`);
        const execution = got.body as ExecutionBody;
        return execution.finished_time ? execution : null;
      });
    },
    async deliveries(actor: Actor, webhookId: string): Promise<DeliveryBody[]> {
      const res = await rest.as(actor).get(`/api/v1/webhooks/${webhookId}/deliveries`);
      if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { deliveries: DeliveryBody[] }).deliveries;
    },
  };
}

describe('Webhooks', () => {
  let t: TestApp;
  let h: ReturnType<typeof helpers>;
  let db: Db;
  let rx: Receiver;
  let alice: Actor;
  let bob: Actor;
  let admin: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: ENV });
    h = helpers(t);
    db = await Db.connect(t);
    rx = await receiver();
    alice = await newUser(t, { roles: ['job_manager'] });
    bob = await newUser(t, { roles: ['job_manager'] });
    admin = await loginAdmin(t);
  });
  afterAll(async () => {
    await rx?.close();
    await db?.end();
    await t?.close();
  });

  it('delivers a failing run as one signed execution.failed within 2 s, with the execution object as data', async () => {
    const job = await h.rest.createJob(alice, SAMPLE('fails', true));
    const hook = await h.webhook(alice, { url: rx.url('/failed'), events: ['execution.failed'] });
    expect(hook).toMatchObject({ url: rx.url('/failed'), events: ['execution.failed'], job_id: null, active: true });
    expect(hook.secret).toMatch(/^whsec_/);

    const execution = await h.runNow(alice, job.job_id);
    expect(execution.state).toBe('failed');
    const [got] = await until('the delivery', () => (rx.on('/failed').length > 0 ? rx.on('/failed') : null));
    expect(got.at - new Date(execution.finished_time ?? 0).getTime()).toBeLessThan(2000);

    expect(verify(hook.secret ?? '', got)).toBe(true);
    expect(verify('whsec_wrong', got)).toBe(false);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-cronwarden-event']).toBe('execution.failed');
    expect(got.headers['x-cronwarden-delivery']).toMatch(UUID);
    expect(Object.keys(got.body).sort()).toEqual(['created_time', 'data', 'event', 'id']);
    expect(got.body.id).toBe(got.headers['x-cronwarden-delivery']);
    expect(got.body.event).toBe('execution.failed');
    expect(got.body.created_time).toMatch(ISO_UTC);
    const shown = await h.rest.as(alice).get(`/api/v1/executions/${execution.execution_id}`).expect(200);
    expect(got.body.data).toEqual(shown.body);

    const [logged] = await h.deliveries(alice, hook.id);
    expect(logged).toMatchObject({
      id: got.body.id,
      event: 'execution.failed',
      attempt: 1,
      status: 'succeeded',
      response_status: 200,
      error: null,
      created_time: got.body.created_time,
    });
    expect(logged.duration_ms).toEqual(expect.any(Number));
    await sleep(800);
    expect(rx.on('/failed')).toHaveLength(1);
  });

  it('shows the secret only in the answer to the creation', async () => {
    const hook = await h.webhook(alice, { url: rx.url('/secret'), events: ['job.paused'] });
    expect(typeof hook.secret).toBe('string');
    const one = await h.rest.as(alice).get(`/api/v1/webhooks/${hook.id}`).expect(200);
    expect(one.body).not.toHaveProperty('secret');
    const list = await h.rest.as(alice).get('/api/v1/webhooks').expect(200);
    const listed = (list.body as { webhooks: WebhookBody[] }).webhooks;
    expect(listed.map((each) => each.id)).toContain(hook.id);
    expect(listed.every((each) => !('secret' in each))).toBe(true);
    expect(JSON.stringify(list.body)).not.toContain(hook.secret);
    const patched = await h.rest
      .as(alice)
      .patch(`/api/v1/webhooks/${hook.id}`)
      .send({ events: ['job.resumed'] });
    expect(patched.status).toBe(200);
    expect(patched.body).not.toHaveProperty('secret');
  });

  it('retries 5xx with growing delays under the same delivery id, logging every attempt', async () => {
    rx.answer = (path, before) => (path === '/flaky' && before < 2 ? 500 : 200);
    const job = await h.rest.createJob(alice, SAMPLE('flaky ok'));
    const hook = await h.webhook(alice, { url: rx.url('/flaky'), events: ['execution.succeeded'], job_id: job.job_id });
    await h.runNow(alice, job.job_id);
    const got = await until('3 attempts', () => (rx.on('/flaky').length >= 3 ? rx.on('/flaky') : null));
    await sleep(700);
    expect(rx.on('/flaky')).toHaveLength(3);
    const ids = new Set(got.map((each) => each.headers['x-cronwarden-delivery']));
    expect(ids.size).toBe(1);
    expect(got.map((each) => each.headers['x-cronwarden-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(got.map((each) => each.raw)).size).toBe(1);
    const gaps = [got[1].at - got[0].at, got[2].at - got[1].at];
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);

    const [logged] = await h.deliveries(alice, hook.id);
    expect(logged).toMatchObject({ status: 'succeeded', attempt: 3, response_status: 200, error: null });
    expect(logged.attempts.map((each) => [each.attempt, each.status, each.response_status])).toEqual([
      [1, 'retrying', 500],
      [2, 'retrying', 500],
      [3, 'succeeded', 200],
    ]);
    expect(logged.attempts[0].error).toBe('HTTP 500');
  });

  it('does not retry a 4xx, and redeliver sends the same delivery again', async () => {
    rx.answer = (path, before) => (path === '/gone' && before === 0 ? 410 : 200);
    const job = await h.rest.createJob(alice, SAMPLE('gone'));
    const hook = await h.webhook(alice, { url: rx.url('/gone'), events: ['execution.succeeded'], job_id: job.job_id });
    await h.runNow(alice, job.job_id);
    await until('the first attempt', () => rx.on('/gone').length === 1);
    const failed = await waitFor('the delivery to fail', async () => {
      const [one] = await h.deliveries(alice, hook.id);
      return one?.status === 'failed' ? one : null;
    });
    expect(failed).toMatchObject({ attempt: 1, response_status: 410, next_attempt_time: null });
    expect(failed.error).toContain('HTTP 410');
    await sleep(1000);
    expect(rx.on('/gone')).toHaveLength(1);

    const res = await h.rest.as(alice).post(`/api/v1/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`);
    expect(res.status).toBe(202);
    await until('the redelivery', () => rx.on('/gone').length === 2);
    const [first, again] = rx.on('/gone');
    expect(again.headers['x-cronwarden-delivery']).toBe(failed.id);
    expect(again.raw).toBe(first.raw);
    expect(again.headers['x-cronwarden-signature']).toBe(first.headers['x-cronwarden-signature']);
    const done = await waitFor('the redelivery logged', async () => {
      const [one] = await h.deliveries(alice, hook.id);
      return one?.status === 'succeeded' ? one : null;
    });
    expect(done.attempts.map((each) => [each.attempt, each.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    const missing = '00000000-0000-4000-8000-000000000000';
    await h.rest.as(alice).post(`/api/v1/webhooks/${hook.id}/deliveries/${missing}/redeliver`).expect(404);
  });

  it('gives a job-scoped webhook only the events of its job: runs, pause, resume and delete (the job as it was)', async () => {
    const mine = await h.rest.createJob(alice, SAMPLE('scoped'));
    const other = await h.rest.createJob(alice, SAMPLE('not scoped'));
    const hook = await h.webhook(alice, {
      url: rx.url('/scoped'),
      events: ['execution.succeeded', 'job.paused', 'job.resumed', 'job.deleted'],
      job_id: mine.job_id,
    });
    expect(hook.job_id).toBe(mine.job_id);
    await h.runNow(alice, other.job_id);
    const run = await h.runNow(alice, mine.job_id);
    await h.rest.as(alice).post(`/api/v1/jobs/${other.job_id}/resume`).expect(200);
    await h.rest.as(alice).post(`/api/v1/jobs/${mine.job_id}/resume`).expect(200);
    await h.rest.as(alice).post(`/api/v1/jobs/${mine.job_id}/pause`).expect(200);
    const before = (await h.rest.as(alice).get(`/api/v1/jobs/${mine.job_id}`).expect(200)).body as JobBody;
    await h.rest.as(alice).delete(`/api/v1/jobs/${other.job_id}`).expect(200);
    await h.rest.as(alice).delete(`/api/v1/jobs/${mine.job_id}`).expect(200);

    const got = await until('4 events', () => (rx.on('/scoped').length >= 4 ? rx.on('/scoped') : null));
    await sleep(500);
    expect(rx.on('/scoped')).toHaveLength(4);
    const byEvent = new Map(got.map((each) => [each.body.event, each.body.data]));
    expect([...byEvent.keys()].sort()).toEqual(['execution.succeeded', 'job.deleted', 'job.paused', 'job.resumed']);
    expect((byEvent.get('execution.succeeded') as { execution_id: string }).execution_id).toBe(run.execution_id);
    expect(byEvent.get('job.resumed')).toMatchObject({ job_id: mine.job_id, paused: false });
    expect(byEvent.get('job.paused')).toMatchObject({ job_id: mine.job_id, paused: true, next_run_time: null });
    expect(byEvent.get('job.deleted')).toEqual(before);
    for (const each of got)
      expect(each.body.data).toMatchObject(
        each.body.event.startsWith('job.') ? { job_id: mine.job_id } : { job: { job_id: mine.job_id } },
      );
  });

  it("hides another user's webhooks (404), lets nobody register on another user's job, and shows an admin all", async () => {
    const job = await h.rest.createJob(alice, SAMPLE('alice only'));
    const hook = await h.webhook(alice, { url: rx.url('/private'), events: ['job.paused'] });
    const as = h.rest.as(bob);
    const base = `/api/v1/webhooks/${hook.id}`;
    await as.get(base).expect(404);
    await as.patch(base).send({ events: 'not a list' }).expect(404);
    await as.delete(base).expect(404);
    await as.get(`${base}/deliveries`).expect(404);
    await as.post(`${base}/test`).expect(404);
    const listed = await as.get('/api/v1/webhooks').expect(200);
    expect((listed.body as { webhooks: WebhookBody[] }).webhooks.map((each) => each.id)).not.toContain(hook.id);
    const onAlices = await as
      .post('/api/v1/webhooks')
      .send({ url: rx.url('/steal'), events: ['execution.failed'], job_id: job.job_id });
    expect(onAlices.status).toBe(404);
    expect(await db.count('SELECT count(*) FROM webhooks WHERE owner_id = $1', [bob.id])).toBe(0);

    // Bob's all-jobs webhook never hears of Alice's jobs.
    await h.webhook(bob, { url: rx.url('/bob'), events: ['job.paused', 'job.resumed'] });
    await h.rest.as(alice).post(`/api/v1/jobs/${job.job_id}/resume`).expect(200);
    await h.rest.as(alice).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
    await until('the pause delivered', () => rx.on('/private').length === 1);
    expect(rx.on('/bob')).toHaveLength(0);

    const seen = await h.rest.as(admin).get(base).expect(200);
    expect(seen.body).toMatchObject({ id: hook.id, owner: { id: alice.id, username: alice.username } });
    expect(seen.body).not.toHaveProperty('secret');
    const adminHook = await h.webhook(admin, { url: rx.url('/admin'), events: ['job.resumed'], job_id: job.job_id });
    expect(adminHook.job_id).toBe(job.job_id);
  });

  it('answers in the documented order: 401, 403, 404, then 400', async () => {
    await t.http().get('/api/v1/webhooks').expect(401);
    const nobody = await newUser(t, { roles: [] });
    await h.rest.as(nobody).get('/api/v1/webhooks').expect(403);
    await h.rest.as(nobody).post('/api/v1/webhooks').send({}).expect(403);
    const missing = '00000000-0000-4000-8000-000000000000';
    await h.rest.as(alice).patch(`/api/v1/webhooks/${missing}`).send({ url: 42 }).expect(404);
    await h.rest.as(alice).get('/api/v1/webhooks/not-a-uuid').expect(404);
    const bad = await h.rest
      .as(alice)
      .post('/api/v1/webhooks')
      .send({ url: rx.url(), events: ['job.exploded'] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('events');
  });

  it('refuses a url CurlJob may not reach (400 naming it), and fails a delivery whose address became denied', async () => {
    for (const url of [
      'http://127.0.0.2:8080/x',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest',
      'ftp://example.com/',
    ]) {
      const res = await h.rest
        .as(alice)
        .post('/api/v1/webhooks')
        .send({ url, events: ['execution.failed'] });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect((res.body as ErrorBody).message).toMatch(/^url/);
    }
    const loopback = await h.rest
      .as(alice)
      .post('/api/v1/webhooks')
      .send({ url: 'http://127.0.0.2/', events: ['job.paused'] });
    expect((loopback.body as ErrorBody).message).toBe(
      'url: webhooks are never sent to 127.0.0.2: it is a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)',
    );
    const hook = await h.webhook(alice, { url: rx.url('/moved'), events: ['job.paused'] });
    await h.rest.as(alice).patch(`/api/v1/webhooks/${hook.id}`).send({ url: 'http://127.0.0.3/' }).expect(400);
    // As if the address rules had changed since: the sender checks at connect time.
    await db.rows('UPDATE webhooks SET url = $2 WHERE id = $1', [hook.id, 'http://127.0.0.2:9/hook']);
    await h.rest.as(alice).post(`/api/v1/webhooks/${hook.id}/test`).expect(202);
    const failed = await waitFor('the refused delivery', async () => {
      const [one] = await h.deliveries(alice, hook.id);
      return one?.status === 'failed' ? one : null;
    });
    expect(failed.error).toBe(
      'refused to connect to 127.0.0.2: it is a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)',
    );
    expect(failed.attempt).toBe(1);
  });

  it('sends a ping on POST /test (202) with the webhook object as data', async () => {
    const hook = await h.webhook(alice, { url: rx.url('/ping'), events: ['execution.failed'] });
    const asked = Date.now();
    const res = await h.rest.as(alice).post(`/api/v1/webhooks/${hook.id}/test`).expect(202);
    expect(res.body).toMatchObject({ event: 'ping', status: 'pending' });
    const [got] = await until('the ping', () => (rx.on('/ping').length ? rx.on('/ping') : null));
    // woken by NOTIFY, not by the 5 s poll
    expect(got.at - asked).toBeLessThan(2000);
    expect(got.headers['x-cronwarden-event']).toBe('ping');
    expect(got.body.id).toBe((res.body as DeliveryBody).id);
    const { secret: _secret, ...shown } = hook;
    expect(got.body.data).toMatchObject({ ...shown, updated_time: expect.any(String) });
    expect(verify(hook.secret ?? '', got)).toBe(true);
  });

  it('disables a webhook whose every delivery failed for 24 h, says why, and delivers nothing more until enabled', async () => {
    rx.answer = (path) => (path === '/down' ? 503 : 200);
    const job = await h.rest.createJob(alice, SAMPLE('down'));
    const hook = await h.webhook(alice, { url: rx.url('/down'), events: ['execution.succeeded'], job_id: job.job_id });
    await db.rows(`UPDATE webhooks SET failing_since = now() - interval '25 hours' WHERE id = $1`, [hook.id]);
    await h.runNow(alice, job.job_id);
    const disabled = await waitFor('the webhook disabled', async () => {
      const res = await h.rest.as(alice).get(`/api/v1/webhooks/${hook.id}`);
      return (res.body as WebhookBody).active ? null : (res.body as WebhookBody);
    });
    expect(disabled.disabled_reason).toMatch(/^every delivery failed for 24 h \(since .*\); last error: HTTP 503$/);
    const pending = await waitFor('the pending retry to fail', async () => {
      const [one] = await h.deliveries(alice, hook.id);
      return one?.status === 'failed' ? one : null;
    });
    expect(pending.attempts.at(-1)?.error).toContain('not sent: the webhook is inactive');
    const sent = rx.on('/down').length;
    await h.runNow(alice, job.job_id);
    await sleep(500);
    expect(await db.count('SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1', [hook.id])).toBe(1);
    expect(rx.on('/down')).toHaveLength(sent);
    await h.rest.as(alice).post(`/api/v1/webhooks/${hook.id}/test`).expect(409);

    const enabled = await h.rest.as(alice).patch(`/api/v1/webhooks/${hook.id}`).send({ active: true }).expect(200);
    expect(enabled.body).toMatchObject({ active: true, disabled_reason: null });
    const [row] = await db.rows<{ failing_since: Date | null }>('SELECT failing_since FROM webhooks WHERE id = $1', [
      hook.id,
    ]);
    expect(row.failing_since).toBeNull();
    await h.rest.as(alice).delete(`/api/v1/webhooks/${hook.id}`).expect(204);
    expect(await db.count('SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1', [hook.id])).toBe(0);
  });
});

describe('Webhooks on several instances', () => {
  let database: TestDatabase;
  let rx: Receiver;

  beforeAll(async () => {
    database = await createTestDatabase();
    rx = await receiver();
  });
  afterAll(async () => {
    await rx?.close();
    await database?.drop();
  });

  it('delivers each event once with two instances on one database, each attempt by one of them', async () => {
    const one = await createTestApp({ database, env: ENV });
    const two = await createTestApp({ database, env: ENV });
    try {
      const h = helpers(one);
      const user = await newUser(one, { roles: ['job_manager'] });
      // every delivery fails once (500), then succeeds: two attempts each
      rx.answer = (_path, _before, headers) => (headers['x-cronwarden-attempt'] === '1' ? 500 : 200);
      const hook = await h.webhook(user, { url: rx.url('/two'), events: ['execution.succeeded'] });
      const jobs = await Promise.all(Array.from({ length: 6 }, (_, i) => h.rest.createJob(user, SAMPLE(`two-${i}`))));
      const runs: ExecutionBody[] = [];
      for (let round = 0; round < 2; round += 1) {
        runs.push(...(await Promise.all(jobs.map((job) => h.runNow(user, job.job_id)))));
      }
      await until('every delivery twice', () => rx.on('/two').length >= runs.length * 2, { timeoutMs: 20_000 });
      await sleep(1000);
      const got = rx.on('/two');
      expect(got).toHaveLength(runs.length * 2);
      const executions = got.map((each) => (each.body.data as { execution_id: string }).execution_id);
      expect(new Set(executions)).toEqual(new Set(runs.map((run) => run.execution_id)));
      const attempts = got.map(
        (each) => `${String(each.headers['x-cronwarden-delivery'])}#${String(each.headers['x-cronwarden-attempt'])}`,
      );
      expect(new Set(attempts).size).toBe(attempts.length);
      const deliveries = await h.deliveries(user, hook.id);
      expect(deliveries).toHaveLength(runs.length);
      expect(deliveries.every((each) => each.status === 'succeeded' && each.attempt === 2)).toBe(true);
    } finally {
      await two.close();
      await one.close();
    }
  });

  it('delivers a retry after a restart between attempts, once', async () => {
    const env = { ...ENV, WEBHOOK_RETRY_DELAY_MS: '3000' };
    let first: TestApp | undefined = await createTestApp({ database, env });
    let second: TestApp | undefined;
    try {
      const h = helpers(first);
      const user = await newUser(first, { roles: ['job_manager'] });
      rx.answer = (path, before) => (path === '/restart' && before === 0 ? 502 : 200);
      const hook = await h.webhook(user, { url: rx.url('/restart'), events: ['execution.succeeded'] });
      const job = await h.rest.createJob(user, SAMPLE('restart'));
      await h.runNow(user, job.job_id);
      await until('the first attempt', () => rx.on('/restart').length === 1);
      await first.close();
      first = undefined;
      second = await createTestApp({ database, env });
      const got = await until('the retry', () => (rx.on('/restart').length >= 2 ? rx.on('/restart') : null), {
        timeoutMs: 15_000,
      });
      await sleep(4000);
      expect(rx.on('/restart')).toHaveLength(2);
      expect(got[1].headers['x-cronwarden-delivery']).toBe(got[0].headers['x-cronwarden-delivery']);
      const admin = await loginAdmin(second);
      const [logged] = await helpers(second).deliveries(admin, hook.id);
      expect(logged).toMatchObject({ status: 'succeeded', attempt: 2 });
    } finally {
      await first?.close();
      await second?.close();
    }
  });
});
