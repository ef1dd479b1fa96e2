import { Metrics } from '../src/metrics/metrics.service.js';
import { loginAdmin, newUser, uniqueName, type Actor } from './support/actors.js';
import { Db, restClient } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * A list page unchanged since the server last sent it is sent again without PostgreSQL writing it
 * (src/http/list-pages.ts): the version of the page is still read, in the database, on every request.
 * Each case changes what a page is written from the way another instance or an operator would (SQL,
 * or the API), then holds the answer to a page that was never sent before, so written now: the same
 * bytes, or the kept page was sent when it should not have been.
 */
describe('list pages sent again only while their rows are unchanged', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let metrics: Metrics;
  let admin: Actor;
  let alice: Actor;
  let bob: Actor;
  const aliceJobs: string[] = [];
  let fresh = 100;

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    rest = restClient(t);
    metrics = t.app.get(Metrics);
    admin = await loginAdmin(t);
    alice = await newUser(t, { username: uniqueName('alice'), roles: ['job_manager'] });
    bob = await newUser(t, { username: uniqueName('bob'), roles: ['job_manager'] });
    for (const name of ['a first', 'b second', 'c third']) {
      aliceJobs.push((await rest.createJob(alice, { name, job_class_string: 'SampleJob', pub_args: [name] })).job_id);
    }
    await rest.createJob(bob, { name: 'bob only', job_class_string: 'SampleJob', pub_args: ['b'] });
    for (const [index, jobId] of aliceJobs.entries()) await insertExecution(jobId, 'running', 10 + index);
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** An execution of the job (as another instance would write it), scheduled `minutesAgo` minutes ago. */
  function insertExecution(jobId: string, state: string, minutesAgo: number): Promise<unknown> {
    return db.rows(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time)
       SELECT id, name, job_class_string, owner_id, $2, 'cron', now() - make_interval(mins => $3)
         FROM jobs WHERE id = $1`,
      [jobId, state, minutesAgo],
    );
  }

  async function sentAgain(list: 'jobs' | 'executions'): Promise<number> {
    const { values } = await metrics.listPages.get();
    return values.find((value) => value.labels.list === list && value.labels.answer === 'sent_again')?.value ?? 0;
  }

  async function body(actor: Actor, url: string): Promise<string> {
    const res = await rest.as(actor).get(url);
    expect(res.status).toBe(200);
    return res.text;
  }

  /**
   * `path` with `limit` (a question asked before, whose page may be kept) answers the bytes of a page
   * never asked for (another limit, as large: the same rows), and asked again at once, is sent again.
   */
  async function expectCurrent(actor: Actor, list: 'jobs' | 'executions', query = ''): Promise<string> {
    const path = `/api/v1/${list}?${query}`;
    const answer = await body(actor, `${path}&limit=50`);
    fresh += 1;
    expect(answer).toBe(await body(actor, `${path}&limit=${fresh}`));
    const before = await sentAgain(list);
    expect(await body(actor, `${path}&limit=50`)).toBe(answer);
    expect(await sentAgain(list)).toBe(before + 1);
    return answer;
  }

  it('GET /jobs: each change to a job, its owner or its latest execution is in the next answer', async () => {
    let last = await expectCurrent(alice, 'jobs');
    const changes: Array<[string, () => Promise<unknown>]> = [
      [
        'a rename through the API',
        () => rest.as(alice).put(`/api/v1/jobs/${aliceJobs[0]}`).send({ name: 'a renamed' }).expect(200),
      ],
      ['new pub_args in SQL', () => db.rows(`UPDATE jobs SET pub_args = '[1.5, "x"]' WHERE id = $1`, [aliceJobs[1]])],
      ['a pause through the API', () => rest.as(alice).post(`/api/v1/jobs/${aliceJobs[2]}/pause`).expect(200)],
      [
        "the owner's new username",
        () => db.rows(`UPDATE users SET username = username || '-2' WHERE id = $1`, [alice.id]),
      ],
      [
        'the latest execution finishing',
        () => db.rows(`UPDATE executions SET state = 'succeeded' WHERE job_id = $1`, [aliceJobs[0]]),
      ],
      ['a newer execution', () => insertExecution(aliceJobs[1], 'failed', 0)],
      ['a job deleted through the API', () => rest.as(alice).delete(`/api/v1/jobs/${aliceJobs[2]}`).expect(200)],
    ];
    for (const [what, change] of changes) {
      await change();
      const now = await expectCurrent(alice, 'jobs');
      expect({ what, changed: now !== last }).toEqual({ what, changed: true });
      last = now;
    }
  });

  it('GET /jobs: a page the same but for the total is written again; a change rolled back is not one', async () => {
    const firstOnly = await body(alice, '/api/v1/jobs?limit=1');
    expect(await body(alice, '/api/v1/jobs?limit=1')).toBe(firstOnly);
    // A job after the first one: the page of one has the same item, and another total.
    await rest.createJob(alice, { name: 'z last', job_class_string: 'SampleJob', pub_args: ['z'] });
    const [{ count }] = await db.rows<{ count: string }>('SELECT count(*) AS count FROM jobs WHERE owner_id = $1', [
      alice.id,
    ]);
    const before = JSON.parse(firstOnly) as { jobs: unknown[]; total: number };
    expect(JSON.parse(await body(alice, '/api/v1/jobs?limit=1'))).toEqual({ jobs: before.jobs, total: Number(count) });
    expect(Number(count)).toBe(before.total + 1);
    const now = await expectCurrent(alice, 'jobs', 'sort=name');
    // Nothing committed: the kept page is sent again.
    await db.rows('BEGIN');
    await db.rows('UPDATE jobs SET name = $2 WHERE owner_id = $1', [alice.id, 'never']);
    await db.rows('ROLLBACK');
    const sent = await sentAgain('jobs');
    expect(await body(alice, '/api/v1/jobs?sort=name&limit=50')).toBe(now);
    expect(await sentAgain('jobs')).toBe(sent + 1);
  });

  it('GET /jobs: the same question from another user is answered with their own rows', async () => {
    const alices = await expectCurrent(alice, 'jobs');
    const bobs = await expectCurrent(bob, 'jobs');
    expect(bobs).not.toBe(alices);
    expect((JSON.parse(bobs) as { jobs: Array<{ name: string }> }).jobs.map((job) => job.name)).toEqual(['bob only']);
    const everyone = await expectCurrent(admin, 'jobs');
    const [{ count }] = await db.rows<{ count: string }>('SELECT count(*) AS count FROM jobs');
    expect(JSON.parse(everyone)).toMatchObject({ total: Number(count) });
  });

  it('GET /executions: each change to an execution or its owner, and the range, are in the next answer', async () => {
    const range = `time_range_start=${new Date(Date.now() - 3_600_000).toISOString()}`;
    let last = await expectCurrent(alice, 'executions', range);
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['a state', () => db.rows(`UPDATE executions SET state = 'failed' WHERE job_id = $1`, [aliceJobs[1]])],
      [
        "the owner's new username",
        () => db.rows(`UPDATE users SET username = username || '-3' WHERE id = $1`, [alice.id]),
      ],
      ['a new execution', () => insertExecution(aliceJobs[0], 'scheduled', 0)],
    ];
    for (const [what, change] of changes) {
      await change();
      const now = await expectCurrent(alice, 'executions', range);
      expect({ what, changed: now !== last }).toEqual({ what, changed: true });
      last = now;
    }
    // A range that leaves the older executions out: the same question (the range is not part of it).
    const recent = `time_range_start=${new Date(Date.now() - 60_000).toISOString()}`;
    const since = async (start: string) =>
      Number(
        (
          await db.rows<{ count: string }>(
            'SELECT count(*) AS count FROM executions WHERE owner_id = $1 AND scheduled_time >= $2',
            [alice.id, start.split('=')[1]],
          )
        )[0].count,
      );
    const narrower = await expectCurrent(alice, 'executions', recent);
    expect(JSON.parse(narrower)).toMatchObject({ total: await since(recent) });
    expect(await since(recent)).toBeLessThan(await since(range));
    expect(JSON.parse(await body(alice, `/api/v1/executions?${range}&limit=50`))).toMatchObject({
      total: await since(range),
    });
  });
});
