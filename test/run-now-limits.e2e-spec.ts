import { newUser, uniqueName, type Actor } from './support/actors.js';
import { allAtOnce, Db, type JobBody, restClient, waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Run now is limited like a scheduled fire; MAX_RUNNING_PER_USER is checked in the statement that
 * inserts the execution, under a lock per owner, so concurrent requests cannot slip past it. (An app
 * of its own: the limit is configuration. max_instances and rights: test/executions.e2e-spec.ts and
 * test/owner-rights.e2e-spec.ts.)
 */
describe('run now with MAX_RUNNING_PER_USER=2 (POST /api/v1/executions/:job_id)', () => {
  let limited: TestApp;
  let limitedDb: Db;
  let limitedRest: ReturnType<typeof restClient>;
  let user: Actor;

  beforeAll(async () => {
    limited = await createTestApp({ env: { SHUTDOWN_GRACE_SECONDS: '1', MAX_RUNNING_PER_USER: '2' } });
    limitedDb = await Db.connect(limited);
    limitedRest = restClient(limited);
    user = await newUser(limited, { roles: ['job_manager'] });
  });
  afterAll(async () => {
    await limitedDb?.end();
    await limited?.close();
  });

  const longJob = (maxInstances: number): Promise<JobBody> =>
    limitedRest.createJob(user, {
      name: uniqueName('long'),
      job_class_string: 'SampleJob',
      pub_args: ['long', 15],
      paused: true,
      max_instances: maxInstances,
    });

  const runningOf = (ownerId: string): Promise<Array<{ id: string; job_id: string }>> =>
    limitedDb.rows(`SELECT id, job_id FROM executions WHERE owner_id = $1 AND state = 'running'`, [ownerId]);

  it('concurrent run-nows of a job with max_instances 10: two running, the rest 429; across jobs too', async () => {
    const job = await longJob(10);
    const answers = await allAtOnce(limited, 6, () => limitedRest.as(user).post(`/api/v1/executions/${job.job_id}`));
    expect(answers.map((res) => res.status).sort()).toEqual([201, 201, 429, 429, 429, 429]);
    for (const res of answers.filter((answer) => answer.status === 429)) {
      expect(res.body).toEqual({
        statusCode: 429,
        message: "The job's owner already has 2 executions running: the limit is 2 (MAX_RUNNING_PER_USER)",
        error: 'Too Many Requests',
      });
      expect(res.headers['retry-after']).toBeDefined();
    }
    const started = answers
      .filter((res) => res.status === 201)
      .map((res) => (res.body as { execution_id: string }).execution_id)
      .sort();
    expect((await runningOf(user.id)).map((row) => row.id).sort()).toEqual(started);
    expect(await limitedDb.executions(job.job_id)).toHaveLength(2);

    // Another job of the same owner is refused as well, while the first two run.
    const other = await longJob(10);
    const refused = await limitedRest.as(user).post(`/api/v1/executions/${other.job_id}`);
    expect(refused.status).toBe(429);
    expect(await limitedDb.executions(other.job_id)).toEqual([]);

    for (const id of started) await limitedRest.as(user).post(`/api/v1/executions/${id}/stop`).expect(200);
    expect(await runningOf(user.id)).toEqual([]);
  });

  it('concurrent run-nows of different jobs of one owner never exceed the limit', async () => {
    const jobs = await Promise.all([longJob(10), longJob(10), longJob(10), longJob(10), longJob(10)]);
    let next = 0;
    const answers = await allAtOnce(limited, jobs.length, () =>
      limitedRest.as(user).post(`/api/v1/executions/${jobs[next++].job_id}`),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([201, 201, 429, 429, 429]);
    const running = await runningOf(user.id);
    expect(running).toHaveLength(2);
    for (const row of running) await limitedRest.as(user).post(`/api/v1/executions/${row.id}/stop`).expect(200);
  });

  it('scheduled fires of one owner claimed together start only up to the limit; the rest are skipped, saying so', async () => {
    const owner = await newUser(limited, { roles: ['job_manager'] });
    // Every second, all five: from the second fire on they are due in the same second, claimed by one statement.
    const jobs = [];
    for (let i = 0; i < 5; i += 1) {
      jobs.push(
        await limitedRest.createJob(owner, {
          name: uniqueName('every-second'),
          job_class_string: 'SampleJob',
          pub_args: ['long', 15],
          second: '*',
          max_instances: 10,
        }),
      );
    }
    const skippedRows = () =>
      limitedDb.rows<{ description: string }>(
        `SELECT description FROM executions WHERE owner_id = $1 AND state = 'skipped'`,
        [owner.id],
      );
    const most = { running: 0 };
    await waitFor('ten skipped fires', async () => {
      most.running = Math.max(most.running, (await runningOf(owner.id)).length);
      return (await skippedRows()).length >= 10 ? true : undefined;
    });
    for (const job of jobs) await limitedRest.as(owner).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
    expect(most.running).toBeLessThanOrEqual(2);
    const running = await runningOf(owner.id);
    expect(running).toHaveLength(2);
    expect(new Set((await skippedRows()).map((row) => row.description))).toEqual(
      new Set(['skipped: the owner already has 2 executions running (MAX_RUNNING_PER_USER)']),
    );
    for (const row of running) await limitedRest.as(owner).post(`/api/v1/executions/${row.id}/stop`).expect(200);
  });
});
