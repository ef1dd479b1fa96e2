import { newUser } from './support/actors.js';
import { allAtOnce, Db, restClient } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * MAX_JOBS_PER_USER under concurrent creates, on both sides of the shared check: far from the limit
 * creations for one owner take the owner's lock shared (side by side) and keep max_connections - 1
 * jobs in reserve; nearer it they count exactly under the exclusive lock. The test database allows
 * 400 connections (test/setup/global-setup.mjs), so with a limit of 410 the shared check holds for the
 * first 11 jobs of an owner.
 */
describe('MAX_JOBS_PER_USER=410 under concurrent creates (POST /api/v1/jobs)', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;

  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_JOBS_PER_USER: '410' } });
    db = await Db.connect(t);
    rest = restClient(t);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('never passes the limit: shared far from it, exact near it, 429 past it, an audit entry per job', async () => {
    const owner = await newUser(t, { roles: ['job_manager'] });
    const createAll = (prefix: string, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, index) =>
          rest
            .as(owner)
            .post('/api/v1/jobs')
            .send({ name: `${prefix}-${index}`, job_class_string: 'SampleJob', pub_args: ['x'], paused: true }),
        ),
      );
    // From 0 jobs: the first ones pass the shared check, the later ones fall back to the exact one.
    const first = await createAll('first', 30);
    expect(first.map((res) => res.status)).toEqual(Array(30).fill(201));

    const batch = Array.from({ length: 375 }, (_, index) => ({
      name: `imported-${index}`,
      job_class_string: 'SampleJob',
      pub_args: ['x'],
      paused: true,
    }));
    await rest.as(owner).post('/api/v1/jobs/import').send({ jobs: batch }).expect(200);

    // 405 jobs: 5 more fit. Eight creates lined up behind a table lock reach the check together.
    let index = 0;
    const last = await allAtOnce(
      t,
      8,
      () =>
        rest
          .as(owner)
          .post('/api/v1/jobs')
          .send({ name: `last-${index++}`, job_class_string: 'SampleJob', pub_args: ['x'], paused: true }),
      'jobs',
    );
    expect(last.map((res) => res.status).sort()).toEqual([...Array(5).fill(201), ...Array(3).fill(429)]);
    for (const res of last.filter((answer) => answer.status === 429)) {
      expect(res.body).toEqual({
        statusCode: 429,
        message: 'The owner already has 410 jobs: the limit is 410 (MAX_JOBS_PER_USER)',
        error: 'Too Many Requests',
      });
    }
    const jobs = await db.rows<{ id: string }>('SELECT id FROM jobs WHERE owner_id = $1 ORDER BY id', [owner.id]);
    expect(jobs).toHaveLength(410);
    const added = await db.rows<{ job_id: string }>(
      `SELECT job_id FROM audit_logs WHERE owner_id = $1 AND event = 'added' ORDER BY job_id`,
      [owner.id],
    );
    expect(added.map((row) => row.job_id)).toEqual(jobs.map((row) => row.id));
  });
});
