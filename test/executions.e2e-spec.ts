import { hostname } from 'node:os';
import { loginAdmin, newRole, newUser, uniqueName, type Actor } from './support/actors.js';
import {
  allAtOnce,
  Db,
  type ErrorBody,
  type ExecutionBody,
  type ExecutionRow,
  ISO_UTC,
  type JobBody,
  messagesOf,
  MISSING_ID,
  restClient,
  sleep,
  UUID,
  waitFor,
} from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Every field of the execution object in API.md ("Executions"), and nothing else. */
const EXECUTION_KEYS = [
  'attempt',
  'description',
  'execution_id',
  'finished_time',
  'hostname',
  'job',
  'owner',
  'pid',
  'result',
  'retry_of',
  'scheduled_time',
  'started_time',
  'state',
  'trigger',
  'updated_time',
];

const FINISHED = ['succeeded', 'failed', 'timeout', 'stopped'];

/** Blocks this process's event loop (the app runs in it) for `ms`. */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no I/O callback, no tick runs meanwhile
  }
}

const secondsOf = (rows: ExecutionRow[]): number[] => rows.map((row) => row.scheduled_time.getTime() / 1000);
const steps = (values: number[]): number[] => values.slice(1).map((value, i) => value - values[i]);

describe('executions (/api/v1/executions) and how jobs fire', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let owner: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: { SHUTDOWN_GRACE_SECONDS: '1' } });
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    owner = await newUser(t, { roles: ['job_manager'] });
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** A paused SampleJob of `owner` (run now only), with these arguments and fields. */
  const pausedSampleJob = (pubArgs: unknown[], fields: Record<string, unknown> = {}): Promise<JobBody> =>
    rest.createJob(owner, {
      name: uniqueName('sample'),
      job_class_string: 'SampleJob',
      pub_args: pubArgs,
      paused: true,
      ...fields,
    });

  async function runNow(actor: Actor, jobId: string): Promise<string> {
    const res = await rest.as(actor).post(`/api/v1/executions/${jobId}`);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ execution_id: expect.stringMatching(UUID) });
    return (res.body as { execution_id: string }).execution_id;
  }

  async function row(executionId: string): Promise<ExecutionRow> {
    const [found] = await db.rows<ExecutionRow>(
      `SELECT id, job_id, job_name, owner_id, state, trigger, scheduled_time, started_time, finished_time,
              hostname, pid, description, result FROM executions WHERE id = $1`,
      [executionId],
    );
    return found;
  }

  /** Waits until the execution has finished (any end state) and returns its row. */
  const finished = (executionId: string, timeoutMs = 10_000): Promise<ExecutionRow> =>
    waitFor(
      `execution ${executionId} to finish`,
      async () => {
        const current = await row(executionId);
        return FINISHED.includes(current.state) ? current : undefined;
      },
      { timeoutMs },
    );

  const pause = async (jobId: string): Promise<void> => {
    await rest.as(owner).post(`/api/v1/jobs/${jobId}/pause`).expect(200);
  };

  const runningCount = (jobId: string): Promise<number> =>
    db.count(`SELECT count(*) AS count FROM executions WHERE job_id = $1 AND state = 'running'`, [jobId]);

  describe('cron fires', () => {
    it('a SampleJob with second "*/2" fires and records succeeded executions with the right result', async () => {
      const job = await rest.createJob(owner, {
        name: uniqueName('every-2s'),
        job_class_string: 'SampleJob',
        pub_args: ['hello from cron'],
        second: '*/2',
      });
      const rows = await waitFor(
        'three succeeded fires',
        async () => {
          const all = await db.executions(job.job_id);
          return all.filter((r) => r.state === 'succeeded').length >= 3 ? all : undefined;
        },
        { timeoutMs: 12_000 },
      );
      await pause(job.job_id);

      const seconds = secondsOf(rows);
      expect(new Set(seconds).size).toBe(seconds.length);
      expect(seconds.every((s) => Number.isInteger(s) && s % 2 === 0)).toBe(true);
      expect(steps(seconds).every((step) => step === 2)).toBe(true);
      expect(
        await db.count('SELECT count(*) - count(DISTINCT scheduled_time) AS count FROM executions WHERE job_id = $1', [
          job.job_id,
        ]),
      ).toBe(0);

      const res = await rest.as(owner).get('/api/v1/executions').query({ job_id: job.job_id, state: 'succeeded' });
      expect(res.status).toBe(200);
      const body = res.body as { executions: ExecutionBody[]; total: number };
      expect(body.total).toBeGreaterThanOrEqual(3);
      for (const execution of body.executions) {
        expect(Object.keys(execution).sort()).toEqual(EXECUTION_KEYS);
        expect(execution).toEqual({
          execution_id: expect.stringMatching(UUID),
          job: { job_id: job.job_id, name: job.name, job_class_string: 'SampleJob' },
          state: 'succeeded',
          trigger: 'cron',
          scheduled_time: expect.stringMatching(ISO_UTC),
          started_time: expect.stringMatching(ISO_UTC),
          finished_time: expect.stringMatching(ISO_UTC),
          updated_time: expect.stringMatching(ISO_UTC),
          hostname: hostname(),
          pid: process.pid,
          description: '',
          result: expect.any(String),
          owner: { id: owner.id, username: owner.username },
          attempt: 1,
          retry_of: null,
        });
        expect(JSON.parse(execution.result!)).toEqual({ message: 'hello from cron' });
        const scheduled = Date.parse(execution.scheduled_time);
        const started = Date.parse(execution.started_time!);
        const ended = Date.parse(execution.finished_time!);
        expect(new Date(scheduled).getUTCSeconds() % 2).toBe(0);
        expect(new Date(scheduled).getUTCMilliseconds()).toBe(0);
        expect(started).toBeGreaterThanOrEqual(scheduled);
        expect(started).toBeLessThan(scheduled + 1_000);
        expect(ended).toBeGreaterThanOrEqual(started);
        expect(ended).toBeLessThan(started + 1_000);
      }
    });
  });

  describe('run now', () => {
    it('POST /executions/:job_id → 201 {execution_id}: trigger manual, on a paused job, audited as custom_run', async () => {
      const job = await pausedSampleJob(['by hand']);
      const before = Date.now();
      const executionId = await runNow(owner, job.job_id);
      const done = await finished(executionId);
      expect(done).toMatchObject({ state: 'succeeded', trigger: 'manual', job_id: job.job_id, owner_id: owner.id });
      expect(done.scheduled_time.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(done.scheduled_time.getTime()).toBeLessThanOrEqual(Date.now());

      const got = await rest.as(owner).get(`/api/v1/executions/${executionId}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        execution_id: executionId,
        state: 'succeeded',
        trigger: 'manual',
        job: { job_id: job.job_id, name: job.name, job_class_string: 'SampleJob' },
        hostname: hostname(),
        pid: process.pid,
        owner: { id: owner.id, username: owner.username },
      });
      expect(JSON.parse((got.body as ExecutionBody).result!)).toEqual({ message: 'by hand' });

      // still paused, and no cron fire came of it
      expect(await db.job(job.job_id)).toMatchObject({ paused: true, next_run_time: null });
      const [entry] = await rest.jobLogs(owner, job.job_id, 'custom_run');
      expect(entry).toMatchObject({
        event: 'custom_run',
        job_id: job.job_id,
        job_name: job.name,
        user: owner.username,
        user_id: owner.id,
        owner_id: owner.id,
      });
    });

    it('works on a job whose runs overlap while max_instances allows it', async () => {
      const job = await pausedSampleJob(['twice', 2], { max_instances: 2 });
      const first = await runNow(owner, job.job_id);
      const second = await runNow(owner, job.job_id);
      expect(second).not.toBe(first);
      expect(await runningCount(job.job_id)).toBe(2);
      expect((await finished(first)).state).toBe('succeeded');
      expect((await finished(second)).state).toBe('succeeded');
    });

    it('honours max_instances in the insert itself: six concurrent run-nows of max_instances 1 → one 201, five 409', async () => {
      const job = await pausedSampleJob(['long', 15], { max_instances: 1 });
      const answers = await allAtOnce(t, 6, () => rest.as(owner).post(`/api/v1/executions/${job.job_id}`));
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
      for (const res of answers.filter((answer) => answer.status === 409)) {
        expect(res.body).toEqual({
          statusCode: 409,
          message: 'The job already runs its maximum of 1 executions (max_instances)',
          error: 'Conflict',
        });
      }
      const started = (answers.find((res) => res.status === 201)!.body as { execution_id: string }).execution_id;
      const rows = await db.executions(job.job_id);
      expect(rows.map((r) => ({ id: r.id, state: r.state, trigger: r.trigger }))).toEqual([
        { id: started, state: 'running', trigger: 'manual' },
      ]);
      // One audit entry per run that happened.
      expect(await rest.jobLogs(owner, job.job_id, 'custom_run')).toHaveLength(1);
      await rest.as(owner).post(`/api/v1/executions/${started}/stop`).expect(200);
      // A slot is free again.
      const again = await runNow(owner, job.job_id);
      await rest.as(owner).post(`/api/v1/executions/${again}/stop`).expect(200);
    });

    it('counts the runs of scheduled fires too: 409 while a cron fire holds the only slot', async () => {
      const job = await rest.createJob(owner, {
        name: uniqueName('cron-slot'),
        job_class_string: 'SampleJob',
        pub_args: ['long', 15],
        second: '*',
        max_instances: 1,
      });
      const [fire] = await waitFor('a cron fire running', async () => {
        const running = (await db.executions(job.job_id)).filter((r) => r.state === 'running');
        return running.length > 0 ? running : undefined;
      });
      await pause(job.job_id);
      const res = await rest.as(owner).post(`/api/v1/executions/${job.job_id}`);
      expect(res.status).toBe(409);
      expect((await db.executions(job.job_id)).filter((r) => r.trigger === 'manual')).toEqual([]);
      await rest.as(owner).post(`/api/v1/executions/${fire.id}/stop`).expect(200);
    });

    it('404 for a missing job, 403 without job_run', async () => {
      expect((await rest.as(owner).post(`/api/v1/executions/${MISSING_ID}`)).status).toBe(404);
      const job = await pausedSampleJob(['x']);
      const viewer = await newUser(t, { roles: ['viewer'] });
      expect((await rest.as(viewer).post(`/api/v1/executions/${job.job_id}`)).status).toBe(403);
      expect(await db.executions(job.job_id)).toEqual([]);
    });
  });

  describe('how runs end', () => {
    it('stop: a running execution → 200 with the execution in state stopped; stopping it again → 409', async () => {
      const job = await pausedSampleJob(['long', 30]);
      // Three runs, stopped one after the other: each answer must already say stopped.
      const executionIds = [
        await runNow(owner, job.job_id),
        await runNow(owner, job.job_id),
        await runNow(owner, job.job_id),
      ];
      for (const executionId of executionIds) expect((await row(executionId)).state).toBe('running');
      await sleep(300);

      const answers: ExecutionBody[] = [];
      for (const executionId of executionIds) {
        const res = await rest.as(owner).post(`/api/v1/executions/${executionId}/stop`);
        expect(res.status).toBe(200);
        answers.push(res.body as ExecutionBody);
      }

      for (const executionId of executionIds) {
        const stored = await row(executionId);
        expect(stored.state).toBe('stopped');
        expect(stored.finished_time).not.toBeNull();
        expect(stored.finished_time!.getTime() - stored.started_time!.getTime()).toBeLessThan(10_000);
      }

      const again = await rest.as(owner).post(`/api/v1/executions/${executionIds[0]}/stop`);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      await sleep(500);
      // the runner does not overwrite a stopped row
      for (const executionId of executionIds) expect((await row(executionId)).state).toBe('stopped');

      // Each answer is the execution, stopped.
      for (const [i, body] of answers.entries()) {
        expect(Object.keys(body).sort()).toEqual(EXECUTION_KEYS);
        expect({ execution_id: body.execution_id, state: body.state, finished_time: body.finished_time }).toEqual({
          execution_id: executionIds[i],
          state: 'stopped',
          finished_time: expect.stringMatching(ISO_UTC),
        });
      }
    });

    it('stop answers with the stopped execution even when the database is slow to record it', async () => {
      const job = await pausedSampleJob(['long', 30]);
      // Another session holds the row for a moment, as a busy database would: the answer must wait for
      // the stop to be recorded (tried a few times: how the app's own steps interleave varies).
      const locker = await Db.connect(t);
      const answers: Array<{ state: string; finished_time: string | null }> = [];
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          const executionId = await runNow(owner, job.job_id);
          await sleep(150);
          await locker.rows('BEGIN');
          await locker.rows('SELECT id FROM executions WHERE id = $1 FOR UPDATE', [executionId]);
          const release = sleep(300).then(() => locker.rows('COMMIT'));
          const res = await rest.as(owner).post(`/api/v1/executions/${executionId}/stop`);
          await release;
          expect(res.status).toBe(200);
          const body = res.body as ExecutionBody;
          answers.push({ state: body.state, finished_time: body.finished_time });
          await waitFor('the row to say stopped', async () => (await row(executionId)).state === 'stopped');
        }
      } finally {
        await locker.rows('ROLLBACK').catch(() => undefined);
        await locker.end();
      }
      expect(answers).toEqual(answers.map(() => ({ state: 'stopped', finished_time: expect.stringMatching(ISO_UTC) })));
    });

    it('stop: 409 for a finished execution, 404 for a missing one', async () => {
      const job = await pausedSampleJob(['quick']);
      const executionId = await runNow(owner, job.job_id);
      await finished(executionId);
      const res = await rest.as(owner).post(`/api/v1/executions/${executionId}/stop`);
      expect(res.status).toBe(409);
      expect((await row(executionId)).state).toBe('succeeded');
      expect((await rest.as(owner).post(`/api/v1/executions/${MISSING_ID}/stop`)).status).toBe(404);
    });

    it('timeout: timeout_seconds 1 and a 5 s sleep end in state timeout after about 1 s', async () => {
      const job = await pausedSampleJob(['slow', 5], { timeout_seconds: 1 });
      const executionId = await runNow(owner, job.job_id);
      const done = await finished(executionId, 4_000);
      expect(done.state).toBe('timeout');
      expect(done.description).toMatch(/time/i);
      const took = done.finished_time!.getTime() - done.started_time!.getTime();
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(3_000);
      const got = await rest.as(owner).get(`/api/v1/executions/${executionId}`);
      expect(got.body).toMatchObject({ state: 'timeout' });
    });

    it('fail: true → failed; result holds the error, description "SampleJob failed on request"', async () => {
      const job = await pausedSampleJob(['boom', 0, true]);
      const executionId = await runNow(owner, job.job_id);
      const done = await finished(executionId);
      expect(done.state).toBe('failed');
      expect(done.description).toBe('SampleJob failed on request');
      expect(done.result).toContain('SampleJob failed on request');
      const got = await rest.as(owner).get(`/api/v1/executions/${executionId}`);
      expect(got.body).toMatchObject({ state: 'failed', description: 'SampleJob failed on request' });
      const result = JSON.parse((got.body as ExecutionBody).result!) as { error: string };
      expect(result.error).toBe('SampleJob failed on request');
    });

    it('failures of built-in classes keep their message but show no stack and no server path', async () => {
      const failing: Array<[string, Record<string, unknown>, string]> = [
        ['SampleJob', { pub_args: ['boom', 0, true] }, 'failed'],
        ['SampleJob', { pub_args: ['slow', 5], timeout_seconds: 1 }, 'timeout'],
        ['ShellJob', { pub_args: ['/nonexistent/program'] }, 'failed'],
        ['CurlJob', { pub_args: ['http://127.0.0.1:1/'] }, 'failed'],
      ];
      for (const [jobClass, fields, state] of failing) {
        const job = await rest.createJob(admin, {
          name: uniqueName('failing'),
          job_class_string: jobClass,
          paused: true,
          ...fields,
        });
        const done = await finished(await runNow(admin, job.job_id));
        expect({ jobClass, state: done.state }).toEqual({ jobClass, state });
        const stored = `${done.result ?? ''} ${done.description}`;
        expect(JSON.parse(done.result!)).toEqual(expect.objectContaining({ error: expect.any(String) }));
        for (const leak of [process.cwd(), '/dist/', '/src/', 'node_modules', '    at ']) {
          expect({ jobClass, leaks: stored.includes(leak) ? leak : null }).toEqual({ jobClass, leaks: null });
        }
      }
    });

    it('max_instances → skipped, and never more running than allowed', async () => {
      const job = await rest.createJob(owner, {
        name: uniqueName('overlap'),
        job_class_string: 'SampleJob',
        pub_args: ['overlap', 3],
        second: '*',
        max_instances: 1,
      });
      const samples: number[] = [];
      const until = Date.now() + 7_500;
      while (Date.now() < until) {
        samples.push(await runningCount(job.job_id));
        await sleep(100);
      }
      await pause(job.job_id);
      await waitFor('the last run to end', async () => (await runningCount(job.job_id)) === 0, { timeoutMs: 6_000 });

      expect(samples.length).toBeGreaterThan(40);
      expect(Math.max(...samples)).toBe(1);
      const rows = await db.executions(job.job_id);
      const skipped = rows.filter((r) => r.state === 'skipped');
      const ran = rows.filter((r) => r.state === 'succeeded');
      expect(skipped.length).toBeGreaterThanOrEqual(2);
      expect(ran.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.state === 'skipped' || r.state === 'succeeded')).toBe(true);
      for (const skip of skipped) {
        expect(skip.description).toContain('max_instances');
        expect(skip.trigger).toBe('cron');
      }
      // the runs never overlapped
      const spans = ran.map((r) => [r.started_time!.getTime(), r.finished_time!.getTime()]).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);

      const listed = await rest.as(owner).get('/api/v1/executions').query({ job_id: job.job_id, state: 'skipped' });
      expect((listed.body as { total: number }).total).toBe(skipped.length);
      expect((listed.body as { executions: ExecutionBody[] }).executions[0].description).toContain('max_instances');
    });
  });

  describe('a blocked event loop loses no fire', () => {
    /**
     * A job firing every second, a 3 s block of the event loop once it fires steadily, and its rows
     * once fires after the block came in.
     */
    async function blockWhileFiring(coalesce: boolean): Promise<{
      rows: ExecutionRow[];
      blockStart: number;
      blockEnd: number;
    }> {
      const job = await rest.createJob(owner, {
        name: uniqueName(coalesce ? 'coalesce' : 'each'),
        job_class_string: 'SampleJob',
        pub_args: ['beat'],
        second: '*',
        coalesce,
      });
      await waitFor('steady fires', async () => (await db.executions(job.job_id)).length >= 2);
      // Start the block mid-second, away from the fire instants.
      await sleep(1_300 - (Date.now() % 1000));
      const blockStart = Date.now();
      blockEventLoop(3_000);
      const blockEnd = Date.now();
      await waitFor(
        'fires after the block',
        async () => {
          const all = await db.executions(job.job_id);
          const last = all.at(-1);
          return last && last.scheduled_time.getTime() >= blockEnd + 3_000 ? all : undefined;
        },
        { timeoutMs: 10_000 },
      );
      await pause(job.job_id);
      await waitFor('every run to end', async () => (await runningCount(job.job_id)) === 0);
      return { rows: await db.executions(job.job_id), blockStart, blockEnd };
    }

    it('coalesce false: every second has exactly one execution; the late ones say so', async () => {
      const { rows, blockStart, blockEnd } = await blockWhileFiring(false);
      const seconds = secondsOf(rows);
      // consecutive: no gap, no duplicate
      expect(steps(seconds)).toEqual(steps(seconds).map(() => 1));
      const inBlock = rows.filter(
        (r) => r.scheduled_time.getTime() > blockStart && r.scheduled_time.getTime() <= blockEnd,
      );
      expect(inBlock.length).toBeGreaterThanOrEqual(2);
      const late = rows.filter(
        (r) => r.scheduled_time.getTime() > blockStart && r.scheduled_time.getTime() <= blockEnd - 1_000,
      );
      expect(late.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.state === 'succeeded' && r.trigger === 'cron')).toBe(true);
      for (const r of rows.filter((x) => x.scheduled_time.getTime() < blockStart - 1_000)) {
        expect(r.description).toBe('');
      }
      expect(late.map((r) => r.description)).toEqual(
        late.map((): unknown => expect.stringMatching(/^late: run by the catch-up/)),
      );
    });

    it('coalesce true: one run stands for the missed fires and says how many; no gap afterwards', async () => {
      const { rows, blockStart, blockEnd } = await blockWhileFiring(true);
      expect(rows.every((r) => r.state === 'succeeded' && r.trigger === 'cron')).toBe(true);
      const seconds = secondsOf(rows);
      // Exactly one jump: the coalesced run, after the fires it stands for; consecutive before and after.
      const jumps = steps(seconds)
        .map((step, i) => ({ step, index: i + 1 }))
        .filter(({ step }) => step !== 1);
      expect(jumps).toHaveLength(1);
      const [{ step: standsFor, index }] = jumps;
      expect(standsFor).toBeGreaterThanOrEqual(2);
      const run = rows[index];
      expect(run.scheduled_time.getTime()).toBeGreaterThan(blockStart);
      expect(run.scheduled_time.getTime()).toBeLessThanOrEqual(blockEnd + 1_000);
      expect(rows[index - 1].scheduled_time.getTime()).toBeLessThan(blockStart);

      const first = new Date((seconds[index - 1] + 1) * 1000).toISOString();
      expect(run.description).toBe(
        `coalesced: stands for ${standsFor} missed fires from ${first} to ${run.scheduled_time.toISOString()}`,
      );
      expect(rows.filter((r) => r !== run).every((r) => !r.description.startsWith('coalesced'))).toBe(true);
    });
  });

  describe('GET /executions', () => {
    let job: JobBody;
    let ids: string[];

    beforeAll(async () => {
      job = await pausedSampleJob(['listed']);
      ids = [];
      for (let i = 0; i < 3; i++) {
        const id = await runNow(owner, job.job_id);
        await finished(id);
        ids.push(id);
      }
    });

    it('{executions, total}, newest first', async () => {
      const res = await rest.as(owner).get('/api/v1/executions').query({ job_id: job.job_id });
      expect(res.status).toBe(200);
      const body = res.body as { executions: ExecutionBody[]; total: number };
      expect(Object.keys(body).sort()).toEqual(['executions', 'total']);
      expect(body.total).toBe(3);
      expect(body.executions.map((e) => e.execution_id)).toEqual([...ids].reverse());
      const times = body.executions.map((e) => Date.parse(e.scheduled_time));
      expect([...times].sort((x, y) => y - x)).toEqual(times);

      const page = await rest.as(owner).get('/api/v1/executions').query({ job_id: job.job_id, limit: 1, offset: 1 });
      expect(page.body).toMatchObject({ total: 3, executions: [{ execution_id: ids[1] }] });
    });

    it('filters by state', async () => {
      const failing = await pausedSampleJob(['bad', 0, true]);
      const failedId = await runNow(owner, failing.job_id);
      await finished(failedId);
      const failed = await rest.as(owner).get('/api/v1/executions').query({ state: 'failed', limit: 1000 });
      const failedList = (failed.body as { executions: ExecutionBody[] }).executions;
      expect(failedList.map((e) => e.execution_id)).toContain(failedId);
      expect(failedList.every((e) => e.state === 'failed')).toBe(true);
      const none = await rest.as(owner).get('/api/v1/executions').query({ job_id: job.job_id, state: 'failed' });
      expect(none.body).toEqual({ executions: [], total: 0 });
      const succeeded = await rest
        .as(owner)
        .get('/api/v1/executions')
        .query({ job_id: job.job_id, state: 'succeeded' });
      expect((succeeded.body as { total: number }).total).toBe(3);
    });

    it('the time range applies to scheduled_time and defaults to the last hour', async () => {
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
      twoHoursAgo.setUTCMilliseconds(0);
      const [old] = await db.rows<{ id: string }>(
        `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                 started_time, finished_time, description, result)
         VALUES ($1, $2, 'SampleJob', $3, 'succeeded', 'cron', $4, $4, $4, '', '{"message":"old"}') RETURNING id`,
        [job.job_id, job.name, owner.id, twoHoursAgo],
      );
      const byDefault = await rest.as(owner).get('/api/v1/executions').query({ job_id: job.job_id });
      expect((byDefault.body as { total: number }).total).toBe(3);
      expect((byDefault.body as { executions: ExecutionBody[] }).executions.map((e) => e.execution_id)).not.toContain(
        old.id,
      );

      const wide = await rest
        .as(owner)
        .get('/api/v1/executions')
        .query({ job_id: job.job_id, time_range_start: new Date(Date.now() - 3 * 3_600_000).toISOString() });
      const wideBody = wide.body as { executions: ExecutionBody[]; total: number };
      expect(wideBody.total).toBe(4);
      expect(wideBody.executions.at(-1)!.execution_id).toBe(old.id);

      const onlyOld = await rest
        .as(owner)
        .get('/api/v1/executions')
        .query({
          job_id: job.job_id,
          time_range_start: new Date(twoHoursAgo.getTime() - 60_000).toISOString(),
          time_range_end: new Date(twoHoursAgo.getTime() + 60_000).toISOString(),
        });
      expect(onlyOld.status).toBe(200);
      expect((onlyOld.body as { executions: ExecutionBody[] }).executions.map((e) => e.execution_id)).toEqual([old.id]);
      await db.rows('DELETE FROM executions WHERE id = $1', [old.id]);
    });

    it.each([
      ['limit=1001', { limit: 1001 }, 'limit'],
      ['limit=0', { limit: 0 }, 'limit'],
      ['offset=-1', { offset: -1 }, 'offset'],
      ['state=nope', { state: 'nope' }, 'state'],
      ['a malformed time_range_start', { time_range_start: 'yesterday' }, 'time_range_start'],
      ['a malformed time_range_end', { time_range_end: '2026-13-45T99:00:00Z' }, 'time_range_end'],
      [
        'time_range_start after time_range_end',
        { time_range_start: '2026-01-02T00:00:00Z', time_range_end: '2026-01-01T00:00:00Z' },
        'time_range_start',
      ],
      ['a job_id that is no uuid', { job_id: 'abc' }, 'job_id'],
    ])('400 naming the parameter for %s', async (_label, query, field) => {
      const res = await rest.as(owner).get('/api/v1/executions').query(query);
      expect(res.status).toBe(400);
      const body = res.body as ErrorBody;
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(messagesOf(body).some((message) => message.includes(field))).toBe(true);
    });

    it('GET /executions/:id: the execution, 404 for a missing or malformed id', async () => {
      const res = await rest.as(owner).get(`/api/v1/executions/${ids[0]}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body as object).sort()).toEqual(EXECUTION_KEYS);
      expect(res.body).toMatchObject({ execution_id: ids[0], state: 'succeeded', trigger: 'manual' });
      expect((await rest.as(owner).get(`/api/v1/executions/${MISSING_ID}`)).status).toBe(404);
      expect((await rest.as(owner).get('/api/v1/executions/not-a-uuid')).status).toBe(404);
    });

    it('needs execution_view (403 without it); a job_id filter on another user’s job is an empty list', async () => {
      const role = uniqueName('jobs-only');
      await newRole(t, role, ['job_view']);
      const noExecutions = await newUser(t, { roles: [role] });
      expect((await rest.as(noExecutions).get('/api/v1/executions')).status).toBe(403);
      expect((await rest.as(noExecutions).get(`/api/v1/executions/${ids[0]}`)).status).toBe(403);

      const stranger = await newUser(t, { roles: ['job_manager'] });
      const res = await rest.as(stranger).get('/api/v1/executions').query({ job_id: job.job_id });
      expect(res.body).toEqual({ executions: [], total: 0 });
      expect((await rest.as(stranger).get(`/api/v1/executions/${ids[0]}`)).status).toBe(404);
      const asAdmin = await rest.as(admin).get('/api/v1/executions').query({ job_id: job.job_id });
      expect((asAdmin.body as { total: number }).total).toBe(3);
    });
  });
});
