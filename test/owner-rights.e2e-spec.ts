import { loginAdmin, newRole, newUser, uniqueName, type Actor } from './support/actors.js';
import {
  Db,
  type ErrorBody,
  type ExecutionRow,
  type JobBody,
  restClient,
  sleep,
  waitFor,
} from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Blocks this process's event loop (the app runs in it) for `ms`. */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no I/O callback, no tick runs meanwhile
  }
}

const RAN = ['running', 'succeeded', 'failed', 'timeout', 'stopped'];

/**
 * Rights are checked when a job fires, not only when it was saved: a job whose owner is disabled, or
 * no longer holds the permission its class requires (code_execute for ShellJob), runs nothing; the
 * first fire after that is recorded `skipped` with the reason (at most), then no rows at all, and it
 * fires again once the owner may run it.
 */
describe("a job's owner's rights, checked at every fire", () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  /** job_create, job_view, job_run, job_pause, execution_view and code_execute. */
  let coderRole: string;

  beforeAll(async () => {
    // The reconcile (which also reviews suspensions) must not step in while a test watches the claim.
    t = await createTestApp({ env: { SHUTDOWN_GRACE_SECONDS: '1', RECONCILE_SECONDS: '3600' } });
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    coderRole = uniqueName('coder');
    await newRole(t, coderRole, ['job_create', 'job_view', 'job_run', 'job_pause', 'execution_view', 'code_execute']);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const coder = (): Promise<Actor> => newUser(t, { roles: [coderRole] });

  /** A ShellJob `/bin/echo hi` of `owner`, firing every second (or paused). */
  const shellJob = (owner: Actor, fields: Record<string, unknown> = {}): Promise<JobBody> =>
    rest.createJob(owner, {
      name: uniqueName('echo'),
      job_class_string: 'ShellJob',
      pub_args: ['/bin/echo', 'hi'],
      second: '*',
      ...fields,
    });

  const jobAsAdmin = async (jobId: string): Promise<JobBody> => {
    const res = await rest.as(admin).get(`/api/v1/jobs/${jobId}`).expect(200);
    return res.body as JobBody;
  };

  const after = (rows: ExecutionRow[], since: number): ExecutionRow[] =>
    rows.filter((row) => row.scheduled_time.getTime() > since);

  const succeededSince = async (jobId: string, since: number, count = 1): Promise<ExecutionRow[] | undefined> => {
    const rows = after(await db.executions(jobId), since).filter((row) => row.state === 'succeeded');
    return rows.length >= count ? rows : undefined;
  };

  /**
   * Takes the owner's right away with `revoke` (through the API) and checks: no fire scheduled after
   * the answer runs, at most one `skipped` row with `reason`, then no row at all for 4 s while the
   * job keeps its schedule, and the job object says why.
   */
  async function expectSuspended(jobId: string, revoke: () => Promise<unknown>, reason: string): Promise<void> {
    await waitFor('two fires that ran', () => succeededSince(jobId, 0, 2));
    await revoke();
    const revokedAt = Date.now();
    const suspended = await waitFor('the job object to show the suspension', async () => {
      const job = await jobAsAdmin(jobId);
      return job.suspended_reason === reason ? job : undefined;
    });
    expect(suspended.paused).toBe(false);
    await sleep(2_000);
    const settled = await db.executions(jobId);
    await sleep(4_000);
    const later = await db.executions(jobId);
    // Not one more row (no skipped row per second), and the job still keeps its schedule.
    expect(later).toEqual(settled);
    expect(new Date((await jobAsAdmin(jobId)).next_run_time!).getTime()).toBeGreaterThan(Date.now() - 2_000);

    const since = after(later, revokedAt);
    expect(since.filter((row) => RAN.includes(row.state))).toEqual([]);
    expect(since.length).toBeLessThanOrEqual(1);
    for (const row of since) expect(row).toMatchObject({ state: 'skipped', description: `skipped: ${reason}` });
  }

  /** Gives the right back with `restore` and checks that the job fires again and is no longer suspended. */
  async function expectFiringAgain(jobId: string, restore: () => Promise<unknown>): Promise<void> {
    await restore();
    const restoredAt = Date.now();
    await waitFor('the job to fire again', () => succeededSince(jobId, restoredAt, 2), { timeoutMs: 8_000 });
    expect((await jobAsAdmin(jobId)).suspended_reason).toBeNull();
  }

  it('disabling the owner stops their ShellJob at once, without a row per fire; enabling them restarts it', async () => {
    const owner = await coder();
    const job = await shellJob(owner);
    expect(job.suspended_reason).toBeNull();
    const setActive = (isActive: boolean) =>
      rest.as(admin).patch(`/api/v1/users/${owner.id}`).send({ is_active: isActive }).expect(200);

    await expectSuspended(job.job_id, () => setActive(false), `the owner ${owner.username} is disabled`);
    await expectFiringAgain(job.job_id, () => setActive(true));
    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
  });

  it('taking away the role that grants code_execute stops it; giving it back restarts it', async () => {
    const owner = await coder();
    const job = await shellJob(owner);
    const setRoles = (roles: string[]) =>
      rest.as(admin).put(`/api/v1/users/${owner.id}/roles`).send({ roles }).expect(200);

    await expectSuspended(
      job.job_id,
      () => setRoles(['job_manager']),
      `the owner ${owner.username} no longer holds code_execute`,
    );
    // The owner still signs in (job_manager) and sees why.
    const own = await rest.as(owner).get(`/api/v1/jobs/${job.job_id}`).expect(200);
    expect((own.body as JobBody).suspended_reason).toBe(`the owner ${owner.username} no longer holds code_execute`);
    await expectFiringAgain(job.job_id, () => setRoles([coderRole]));
    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
  });

  it("removing code_execute from the owner's role stops it; adding it back restarts it", async () => {
    const roleName = uniqueName('shrinking');
    const permissions = ['job_create', 'job_view', 'job_run', 'job_pause', 'execution_view'];
    const roleId = await newRole(t, roleName, [...permissions, 'code_execute']);
    const owner = await newUser(t, { roles: [roleName] });
    const job = await shellJob(owner);
    const setPermissions = (names: string[]) =>
      rest.as(admin).patch(`/api/v1/roles/${roleId}`).send({ permissions: names }).expect(200);

    await expectSuspended(
      job.job_id,
      () => setPermissions(permissions),
      `the owner ${owner.username} no longer holds code_execute`,
    );
    await expectFiringAgain(job.job_id, () => setPermissions([...permissions, 'code_execute']));
    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
  });

  it('a fire claimed after a change nobody announced is recorded skipped once, with the reason; the claim lifts it too', async () => {
    // Changed behind the API's back (no NOTIFY): only the claim itself can notice.
    const owner = await coder();
    const job = await shellJob(owner);
    await waitFor('two fires that ran', () => succeededSince(job.job_id, 0, 2));
    await db.rows('UPDATE users SET is_active = false WHERE id = $1', [owner.id]);
    const disabledAt = Date.now();
    const reason = `the owner ${owner.username} is disabled`;

    const [skipped] = await waitFor('the skipped fire', async () => {
      const rows = after(await db.executions(job.job_id), disabledAt).filter((row) => row.state === 'skipped');
      return rows.length > 0 ? rows : undefined;
    });
    expect(skipped).toMatchObject({ state: 'skipped', trigger: 'cron', description: `skipped: ${reason}` });
    expect(skipped.started_time).toBeNull();
    expect((await jobAsAdmin(job.job_id)).suspended_reason).toBe(reason);
    await sleep(3_500);
    const since = after(await db.executions(job.job_id), disabledAt);
    expect(since.map((row) => row.id)).toEqual([skipped.id]);

    await db.rows('UPDATE users SET is_active = true WHERE id = $1', [owner.id]);
    const enabledAt = Date.now();
    await waitFor('the job to fire again', () => succeededSince(job.job_id, enabledAt, 2), { timeoutMs: 8_000 });
    expect((await jobAsAdmin(job.job_id)).suspended_reason).toBeNull();
    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
  });

  it('fires caught up after a stall are checked too: one skipped row for all of them', async () => {
    const owner = await coder();
    const job = await shellJob(owner, { coalesce: false });
    await waitFor('two fires that ran', () => succeededSince(job.job_id, 0, 2));
    // Mid-second, the database disables the owner 0.5 s into a 3 s stall of this process: every fire
    // of the stall is handled late, by the misfire rules, after the change.
    await sleep(1_300 - (Date.now() % 1000));
    const other = await Db.connect(t);
    try {
      const update = other.rows(`SELECT pg_sleep(0.5); UPDATE users SET is_active = false WHERE id = '${owner.id}'`);
      const blockStart = Date.now();
      blockEventLoop(3_000);
      await update;
      await sleep(3_500);
      const since = after(await db.executions(job.job_id), blockStart);
      expect(since).toHaveLength(1);
      expect(since[0]).toMatchObject({
        state: 'skipped',
        description: `skipped: the owner ${owner.username} is disabled`,
      });
    } finally {
      await other.end();
    }
    await db.rows('UPDATE users SET is_active = true WHERE id = $1', [owner.id]);
    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
  });

  it('a ShellJob an admin gives to a user without code_execute is suspended from the start and never runs', async () => {
    const manager = await newUser(t, { roles: ['job_manager'] });
    const res = await rest
      .as(admin)
      .post('/api/v1/jobs')
      .send({
        name: uniqueName('given'),
        job_class_string: 'ShellJob',
        pub_args: ['/bin/echo', 'hi'],
        second: '*',
        owner_id: manager.id,
      });
    expect(res.status).toBe(201);
    const job = res.body as JobBody;
    expect(job.suspended_reason).toBe(`the owner ${manager.username} no longer holds code_execute`);
    await sleep(2_500);
    expect(await db.executions(job.job_id)).toEqual([]);
    const run = await rest.as(admin).post(`/api/v1/executions/${job.job_id}`);
    expect(run.status).toBe(403);
    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
  });

  describe('run now', () => {
    const paused = (owner: Actor): Promise<JobBody> => shellJob(owner, { paused: true });

    it('by an admin, of a job whose owner lost code_execute: 403 naming the reason, no execution written', async () => {
      const owner = await coder();
      const job = await paused(owner);
      await rest.as(owner).post(`/api/v1/executions/${job.job_id}`).expect(201);
      await rest
        .as(admin)
        .put(`/api/v1/users/${owner.id}/roles`)
        .send({ roles: ['job_manager'] })
        .expect(200);
      // The run started before the demotion ends as it would have (compare rows once it has).
      const before = await waitFor('the earlier run to end', async () => {
        const rows = await db.executions(job.job_id);
        return rows.every((row) => row.state !== 'running') && rows;
      });

      const res = await rest.as(admin).post(`/api/v1/executions/${job.job_id}`);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        statusCode: 403,
        message: `The job cannot run: the owner ${owner.username} no longer holds code_execute`,
        error: 'Forbidden',
      });
      // Nor may the owner (job_manager still has job_run).
      const own = await rest.as(owner).post(`/api/v1/executions/${job.job_id}`);
      expect(own.status).toBe(403);
      expect((own.body as ErrorBody).message).toContain('no longer holds code_execute');
      expect(await db.executions(job.job_id)).toEqual(before);
      expect((await rest.jobLogs(admin, job.job_id, 'custom_run')).map((entry) => entry.user)).toEqual([
        owner.username,
      ]);

      await rest
        .as(admin)
        .put(`/api/v1/users/${owner.id}/roles`)
        .send({ roles: [coderRole] })
        .expect(200);
      await rest.as(admin).post(`/api/v1/executions/${job.job_id}`).expect(201);
    });

    it('by an admin, of a disabled user’s job: 403 naming the reason; a SampleJob is refused too', async () => {
      const owner = await coder();
      const shell = await paused(owner);
      const sample = await rest.createJob(owner, {
        name: uniqueName('sample'),
        job_class_string: 'SampleJob',
        pub_args: ['x'],
        paused: true,
      });
      await rest.as(admin).patch(`/api/v1/users/${owner.id}`).send({ is_active: false }).expect(200);
      for (const job of [shell, sample]) {
        const res = await rest.as(admin).post(`/api/v1/executions/${job.job_id}`);
        expect(res.status).toBe(403);
        expect((res.body as ErrorBody).message).toBe(`The job cannot run: the owner ${owner.username} is disabled`);
        expect(await db.executions(job.job_id)).toEqual([]);
      }
      await rest.as(admin).patch(`/api/v1/users/${owner.id}`).send({ is_active: true }).expect(200);
      await rest.as(admin).post(`/api/v1/executions/${sample.job_id}`).expect(201);
    });
  });

  it('the suspension is in the job list too', async () => {
    const owner = await coder();
    const job = await shellJob(owner, { paused: true });
    await rest
      .as(admin)
      .put(`/api/v1/users/${owner.id}/roles`)
      .send({ roles: ['viewer'] })
      .expect(200);
    const reason = `the owner ${owner.username} no longer holds code_execute`;
    await waitFor('the suspension', async () => (await jobAsAdmin(job.job_id)).suspended_reason === reason);
    const list = await rest.as(admin).get('/api/v1/jobs').query({ owner_id: owner.id }).expect(200);
    expect((list.body as { jobs: JobBody[] }).jobs).toEqual([expect.objectContaining({ suspended_reason: reason })]);
  });
});
