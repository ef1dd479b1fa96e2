// What the web UI's Jobs and Executions pages read: GET /jobs sorted by the server (with each job's
// latest execution), GET /jobs/owners for the owner filter, GET /executions/stats for the counts
// per state of a whole range. Executions at chosen times are inserted as rows (the scheduler would
// take minutes to produce them); everything else goes through the API.
import { loginAdmin, newUser, type Actor } from './support/actors.js';
import { Db, messagesOf, restClient, type ErrorBody } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

interface ListItem {
  job_id: string;
  name: string;
  job_class_string: string;
  next_run_time: string | null;
  created_time: string;
  owner: { id: string; username: string };
  last_execution: { execution_id: string; state: string; scheduled_time: string } | null;
}

describe('job list order, owners and execution statistics', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let alice: Actor;
  let bob: Actor;
  let watcher: Actor;
  const ids: Record<string, string> = {};

  const names = (body: { jobs: ListItem[] }): string[] => body.jobs.map((job) => job.name);

  async function insertExecution(jobId: string, ownerId: string, state: string, scheduled: Date): Promise<string> {
    const rows = await db.rows<{ id: string }>(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time)
       SELECT id, name, job_class_string, owner_id, $2, 'cron', $3 FROM jobs WHERE id = $1 AND owner_id = $4
       RETURNING id`,
      [jobId, state, scheduled, ownerId],
    );
    return rows[0].id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    alice = await newUser(t, { roles: ['job_manager'] });
    bob = await newUser(t, { roles: ['job_manager'] });
    watcher = await newUser(t, { roles: ['viewer'] });
    await newUser(t, { roles: ['viewer'] }); // owns nothing: never offered as an owner
    // Paused jobs (no next run) and hourly ones, so next_run_time has values and nulls.
    for (const [actor, name, minute, paused] of [
      [alice, 'delta', '5', false],
      [alice, 'alpha', '10', true],
      [bob, 'charlie', '1', false],
      [bob, 'bravo', '30', true],
    ] as const) {
      const job = await rest.createJob(actor, {
        name,
        job_class_string: 'SampleJob',
        pub_args: [name],
        minute,
        hour: '*',
        paused,
      });
      ids[name] = job.job_id;
    }
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('sorts by name, owner, class, next run and creation in both directions, ties broken by job_id', async () => {
    const list = async (sort?: string, actor = admin): Promise<ListItem[]> =>
      (
        await rest
          .as(actor)
          .get('/api/v1/jobs')
          .query(sort ? { sort } : {})
          .expect(200)
      ).body.jobs as ListItem[];
    expect((await list()).map((job) => job.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    expect((await list('name')).map((job) => job.name)).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    expect((await list('-name')).map((job) => job.name)).toEqual(['delta', 'charlie', 'bravo', 'alpha']);
    expect((await list('created_time')).map((job) => job.name)).toEqual(['delta', 'alpha', 'charlie', 'bravo']);
    expect((await list('-created_time')).map((job) => job.name)).toEqual(['bravo', 'charlie', 'alpha', 'delta']);

    const byNext = await list('next_run_time');
    const running = byNext.filter((job) => job.next_run_time !== null);
    expect(running.map((job) => job.name).sort()).toEqual(['charlie', 'delta']);
    expect(running.map((job) => job.next_run_time)).toEqual(
      [...running.map((job) => job.next_run_time)].sort((a, b) => String(a).localeCompare(String(b))),
    );
    // Paused jobs (null next run) come last in both directions.
    expect(byNext.slice(2).map((job) => job.next_run_time)).toEqual([null, null]);
    const byNextDesc = await list('-next_run_time');
    expect(byNextDesc.slice(0, 2).map((job) => job.name)).toEqual(running.map((job) => job.name).reverse());
    expect(byNextDesc.slice(2).map((job) => job.next_run_time)).toEqual([null, null]);

    const byOwner = await list('owner');
    const owners = byOwner.map((job) => job.owner.username);
    expect(owners).toEqual([...owners].sort());
    // Ties (same owner) by job_id, ascending here and descending with -owner.
    const aliceIds = byOwner.filter((job) => job.owner.id === alice.id).map((job) => job.job_id);
    expect(aliceIds).toEqual([...aliceIds].sort());
    const aliceIdsDesc = (await list('-owner')).filter((job) => job.owner.id === alice.id).map((job) => job.job_id);
    expect(aliceIdsDesc).toEqual([...aliceIds].reverse());

    // Every job has the same class: the order is job_id's alone.
    const byClass = (await list('job_class_string')).map((job) => job.job_id);
    expect(byClass).toEqual([...byClass].sort());
    expect((await list('-job_class_string')).map((job) => job.job_id)).toEqual([...byClass].reverse());

    // Pages of a sorted list neither overlap nor skip.
    const pages: string[] = [];
    for (let offset = 0; offset < 4; offset += 1) {
      const page = await rest.as(admin).get('/api/v1/jobs').query({ sort: '-name', limit: 1, offset }).expect(200);
      expect(page.body.total).toBe(4);
      pages.push(...names(page.body as { jobs: ListItem[] }));
    }
    expect(pages).toEqual(['delta', 'charlie', 'bravo', 'alpha']);

    // A user's list is sorted within their own jobs only.
    expect((await list('-name', alice)).map((job) => job.name)).toEqual(['delta', 'alpha']);
  });

  it('answers 400 naming sort for an unknown order, after the 403 of a missing permission', async () => {
    for (const sort of ['size', 'name;drop', '--name', 'NAME']) {
      const res = await rest.as(alice).get('/api/v1/jobs').query({ sort }).expect(400);
      expect(messagesOf(res.body as ErrorBody).join(' ')).toMatch(/^sort must be one of: name, -name/);
    }
    const noRole = await newUser(t, { roles: [] });
    await rest.as(noRole).get('/api/v1/jobs').query({ sort: 'size' }).expect(403);
  });

  it('gives each listed job its latest execution (by scheduled time), null when it never ran', async () => {
    const now = Date.now();
    await insertExecution(ids.delta, alice.id, 'succeeded', new Date(now - 120_000));
    const latest = await insertExecution(ids.delta, alice.id, 'failed', new Date(now - 60_000));
    await insertExecution(ids.delta, alice.id, 'missed', new Date(now - 180_000));
    const res = await rest.as(alice).get('/api/v1/jobs').expect(200);
    const jobs = res.body.jobs as ListItem[];
    const delta = jobs.find((job) => job.name === 'delta');
    expect(delta?.last_execution).toEqual({
      execution_id: latest,
      state: 'failed',
      scheduled_time: new Date(now - 60_000).toISOString(),
    });
    expect(jobs.find((job) => job.name === 'alpha')?.last_execution).toBeNull();
    // Apart from last_execution, a list item is exactly the job object of GET /jobs/:job_id.
    for (const job of jobs) {
      const { last_execution: _last, ...rest_ } = job;
      const one = await rest.as(alice).get(`/api/v1/jobs/${job.job_id}`).expect(200);
      expect(rest_).toEqual(one.body);
    }
  });

  it('lists the owners of visible jobs with their counts for view_all users, 403 for others', async () => {
    const expected = [
      { id: alice.id, username: alice.username, jobs: 2 },
      { id: bob.id, username: bob.username, jobs: 2 },
    ].sort((a, b) => a.username.localeCompare(b.username));
    const asAdmin = await rest.as(admin).get('/api/v1/jobs/owners').expect(200);
    expect(asAdmin.body).toEqual({ owners: expected });

    const roleRes = await t
      .http()
      .post('/api/v1/roles')
      .set('Authorization', admin.bearer)
      .send({ name: 'all-seeing', permissions: ['job_view', 'view_all'] })
      .expect(201);
    expect(roleRes.body.name).toBe('all-seeing');
    const seer = await newUser(t, { roles: ['all-seeing'] });
    expect((await rest.as(seer).get('/api/v1/jobs/owners').expect(200)).body).toEqual({ owners: expected });
    // The owner filter with an owner from that list gives exactly that owner's jobs.
    const filtered = await rest.as(seer).get('/api/v1/jobs').query({ owner_id: bob.id, sort: 'name' }).expect(200);
    expect(names(filtered.body as { jobs: ListItem[] })).toEqual(['bravo', 'charlie']);

    const forbidden = await rest.as(alice).get('/api/v1/jobs/owners').expect(403);
    expect(messagesOf(forbidden.body as ErrorBody).join(' ')).toMatch(/view_all/);
    const noRole = await newUser(t, { roles: [] });
    await rest.as(noRole).get('/api/v1/jobs/owners').expect(403);
    await t.http().get('/api/v1/jobs/owners').expect(401);
  });

  describe('GET /api/v1/executions/stats', () => {
    const start = new Date(Date.now() - 3 * 3600_000);
    const end = new Date(Date.now() + 3600_000);
    beforeAll(async () => {
      const base = Date.now() - 2 * 3600_000;
      let i = 0;
      const at = (): Date => new Date(base + (i += 1) * 1000);
      for (let n = 0; n < 5; n += 1) await insertExecution(ids.charlie, bob.id, 'succeeded', at());
      for (let n = 0; n < 2; n += 1) await insertExecution(ids.charlie, bob.id, 'failed', at());
      await insertExecution(ids.bravo, bob.id, 'timeout', at());
      await insertExecution(ids.alpha, alice.id, 'skipped', at());
      // Outside the range: never counted.
      await insertExecution(ids.charlie, bob.id, 'failed', new Date(start.getTime() - 60_000));
    });
    const stats = (actor: Actor, query: Record<string, string>) =>
      rest.as(actor).get('/api/v1/executions/stats').query(query);
    const range = () => ({ time_range_start: start.toISOString(), time_range_end: end.toISOString() });
    const zero = {
      scheduled: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      timeout: 0,
      stopped: 0,
      'scheduled error': 0,
      skipped: 0,
      missed: 0,
    };

    it("counts every state of the whole range within the caller's scope, matching the list", async () => {
      const own = await stats(bob, range()).expect(200);
      expect(own.body).toEqual({ counts: { ...zero, succeeded: 5, failed: 2, timeout: 1 }, total: 8 });
      const list = await rest
        .as(bob)
        .get('/api/v1/executions')
        .query({ ...range(), limit: 2 })
        .expect(200);
      expect(list.body.total).toBe(8);
      const failed = await rest
        .as(bob)
        .get('/api/v1/executions')
        .query({ ...range(), state: 'failed' })
        .expect(200);
      expect(failed.body.total).toBe(own.body.counts.failed);

      const all = await stats(admin, range()).expect(200);
      // Bob's and alice's (delta's three of the previous test among them).
      expect(all.body.counts).toEqual({ ...zero, succeeded: 6, failed: 3, timeout: 1, skipped: 1, missed: 1 });
      expect(all.body.total).toBe(12);
      expect(all.body.total).toBe(
        Object.values(all.body.counts as Record<string, number>).reduce((sum, count) => sum + count, 0),
      );
      const [{ count }] = await db.rows<{ count: string }>(
        'SELECT count(*) AS count FROM executions WHERE scheduled_time BETWEEN $1 AND $2',
        [start, end],
      );
      expect(all.body.total).toBe(Number(count));
    });

    it('filters by job; another user’s job counts nothing', async () => {
      const one = await stats(bob, { ...range(), job_id: ids.bravo }).expect(200);
      expect(one.body).toEqual({ counts: { ...zero, timeout: 1 }, total: 1 });
      const others = await stats(alice, { ...range(), job_id: ids.charlie }).expect(200);
      expect(others.body).toEqual({ counts: zero, total: 0 });
    });

    it('defaults to the last hour and validates like the list', async () => {
      const recent = await stats(alice, {}).expect(200);
      // delta's executions of the previous test lie within the last hour; alpha's skipped one does not.
      expect(recent.body.counts).toMatchObject({ succeeded: 1, failed: 1, missed: 1, skipped: 0 });
      const malformed = await stats(alice, { time_range_start: 'yesterday' }).expect(400);
      expect(messagesOf(malformed.body as ErrorBody).join(' ')).toMatch(/time_range_start/);
      const reversed = await stats(alice, {
        time_range_start: end.toISOString(),
        time_range_end: start.toISOString(),
      }).expect(400);
      expect(messagesOf(reversed.body as ErrorBody).join(' ')).toMatch(/time_range_start must not be after/);
      const badJob = await stats(alice, { job_id: 'nope' }).expect(400);
      expect(messagesOf(badJob.body as ErrorBody).join(' ')).toMatch(/job_id/);
      await stats(watcher, {}).expect(200);
      const noRole = await newUser(t, { roles: [] });
      await stats(noRole, { job_id: 'nope' }).expect(403);
      await t.http().get('/api/v1/executions/stats').expect(401);
    });
  });
});
