import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loginAdmin, newRole, newUser, strongPassword, uniqueName, type Actor } from './support/actors.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

interface AuditLogBody {
  id: string;
  job_id: string | null;
  job_name: string | null;
  event: string;
  user: string;
  user_id: string | null;
  owner_id: string | null;
  created_time: string;
  description: string;
}

interface AuditRow {
  id: string;
  event: string;
  user: string;
  user_id: string | null;
  owner_id: string | null;
  description: string;
  created_time: Date;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('audit logs (GET /api/v1/logs)', () => {
  let t: TestApp;
  let db: pg.Client;
  let admin: Actor;

  beforeAll(async () => {
    // Failed logins are part of these tests: keep the login limits out of the way.
    t = await createTestApp({
      env: { LOGIN_FAILURES_PER_ADDRESS: '10000', LOGIN_FAILURES_PER_USER_ADDRESS: '1000' },
    });
    db = new pg.Client({ connectionString: t.database.url });
    db.on('error', () => undefined);
    await db.connect();
    admin = await loginAdmin(t);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const logs = (bearer: string, query: Record<string, string | number> = {}) =>
    t.http().get('/api/v1/logs').query(query).set('Authorization', bearer);

  /** Every entry the caller sees in the default range (well under the 1000 maximum in this file). */
  async function allLogs(bearer: string, query: Record<string, string | number> = {}): Promise<AuditLogBody[]> {
    const res = await logs(bearer, { limit: 1000, ...query });
    expect(res.status).toBe(200);
    const body = res.body as { logs: AuditLogBody[]; total: number };
    expect(body.total).toBe(body.logs.length);
    return body.logs;
  }

  const loginRequest = (username: string, password: string) =>
    t.http().post('/api/v1/auth/login').send({ username, password });

  async function dbRows(where: string, params: unknown[]): Promise<AuditRow[]> {
    const { rows } = await db.query<AuditRow>(
      `SELECT id, event, "user", user_id, owner_id, description, created_time FROM audit_logs WHERE ${where}
        ORDER BY created_time DESC`,
      params,
    );
    return rows;
  }

  describe('events are recorded with their actor and owner', () => {
    it('login: actor and owner are the user who logged in; the entry has the documented shape', async () => {
      const viewer = await newUser(t);
      const entries = (await allLogs(admin.bearer, { event: 'login' })).filter((e) => e.user_id === viewer.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toEqual({
        id: expect.stringMatching(UUID),
        job_id: null,
        job_name: null,
        event: 'login',
        user: viewer.username,
        user_id: viewer.id,
        owner_id: viewer.id,
        created_time: expect.stringMatching(ISO_UTC),
        description: expect.stringContaining('login'),
      });
      expect(Math.abs(Date.parse(entries[0].created_time) - Date.now())).toBeLessThan(60_000);
      const [row] = await dbRows('id = $1', [entries[0].id]);
      expect(row).toMatchObject({ event: 'login', user: viewer.username, user_id: viewer.id, owner_id: viewer.id });
    });

    it('logout: actor and owner are the user who logged out', async () => {
      const viewer = await newUser(t);
      await t.http().post('/api/v1/auth/logout').set('Authorization', viewer.bearer).expect(204);
      const entries = (await allLogs(admin.bearer, { event: 'logout' })).filter((e) => e.user_id === viewer.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        event: 'logout',
        user: viewer.username,
        user_id: viewer.id,
        owner_id: viewer.id,
        job_id: null,
        job_name: null,
      });
    });

    it('login_failed for a known user belongs to that user', async () => {
      const viewer = await newUser(t);
      await loginRequest(viewer.username, 'not-the-right-password').expect(401);
      const entries = (await allLogs(admin.bearer, { event: 'login_failed' })).filter((e) => e.user_id === viewer.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        event: 'login_failed',
        user: viewer.username,
        user_id: viewer.id,
        owner_id: viewer.id,
        description: expect.stringContaining('wrong password'),
      });
      expect(await dbRows(`event = 'login_failed' AND owner_id = $1`, [viewer.id])).toHaveLength(1);
    });

    it('login_failed for an unknown username has no actor id and no owner', async () => {
      const ghost = uniqueName('ghost');
      await loginRequest(ghost, 'whatever-password-1').expect(401);
      const entries = (await allLogs(admin.bearer, { event: 'login_failed' })).filter((e) => e.user === ghost);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        event: 'login_failed',
        user: ghost,
        user_id: null,
        owner_id: null,
        description: expect.stringContaining('unknown username'),
      });
      const rows = await dbRows(`"user" = $1`, [ghost]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ user_id: null, owner_id: null });
    });

    it('user_created, user_modified (saying what changed) and user_deleted are by the admin, with no owner', async () => {
      const username = uniqueName('managed');
      const created = await t
        .http()
        .post('/api/v1/users')
        .set('Authorization', admin.bearer)
        .send({ username, password: strongPassword(), roles: ['viewer'] })
        .expect(201);
      const id = (created.body as { id: string }).id;
      await t
        .http()
        .patch(`/api/v1/users/${id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: false })
        .expect(200);
      await t
        .http()
        .put(`/api/v1/users/${id}/roles`)
        .set('Authorization', admin.bearer)
        .send({ roles: ['job_manager'] })
        .expect(200);
      await t.http().delete(`/api/v1/users/${id}`).set('Authorization', admin.bearer).expect(204);

      const about = (await allLogs(admin.bearer)).filter(
        (e) => e.event.startsWith('user_') && e.description.includes(username),
      );
      // newest first
      expect(about.map((e) => e.event)).toEqual(['user_deleted', 'user_modified', 'user_modified', 'user_created']);
      for (const entry of about) {
        expect(entry).toMatchObject({ user: TEST_ADMIN.username, user_id: admin.id, owner_id: null, job_id: null });
      }
      expect(about[3].description).toContain('viewer');
      expect(about[2].description).toContain('is_active: true → false');
      expect(about[1].description).toContain('roles: viewer → job_manager');
      expect(about[0].description).toContain(`deleted user ${username}`);
      const rows = await dbRows(`event LIKE 'user_%' AND description LIKE $1`, [`%${username}%`]);
      expect(rows.map((row) => row.event)).toEqual(about.map((e) => e.event));
      expect(rows.every((row) => row.owner_id === null && row.user_id === admin.id)).toBe(true);
    });

    it('role_created, role_modified and role_deleted are by the admin, with no owner', async () => {
      const name = uniqueName('role');
      const created = await t
        .http()
        .post('/api/v1/roles')
        .set('Authorization', admin.bearer)
        .send({ name, permissions: ['job_view'] })
        .expect(201);
      const id = (created.body as { id: string }).id;
      await t
        .http()
        .patch(`/api/v1/roles/${id}`)
        .set('Authorization', admin.bearer)
        .send({ permissions: ['job_view', 'audit_view'] })
        .expect(200);
      await t.http().delete(`/api/v1/roles/${id}`).set('Authorization', admin.bearer).expect(204);

      const about = (await allLogs(admin.bearer)).filter(
        (e) => e.event.startsWith('role_') && e.description.includes(name),
      );
      expect(about.map((e) => e.event)).toEqual(['role_deleted', 'role_modified', 'role_created']);
      for (const entry of about) {
        expect(entry).toMatchObject({ user: TEST_ADMIN.username, user_id: admin.id, owner_id: null, job_id: null });
      }
      expect(about[2].description).toContain('job_view');
      expect(about[1].description).toContain('audit_view');
      const rows = await dbRows(`event LIKE 'role_%' AND description LIKE $1`, [`%${name}%`]);
      expect(rows).toHaveLength(3);
      expect(rows.every((row) => row.owner_id === null)).toBe(true);
    });
  });

  describe('scope', () => {
    let alice: Actor;
    let bob: Actor;
    let ghost: string;

    beforeAll(async () => {
      alice = await newUser(t, { roles: ['viewer'] });
      bob = await newUser(t, { roles: ['viewer'] });
      await loginRequest(alice.username, 'wrong-password-for-alice').expect(401);
      ghost = uniqueName('ghost');
      await loginRequest(ghost, 'wrong-password-for-ghost').expect(401);
      await newRole(t, uniqueName('scoped'), ['job_view']);
    });

    it('a viewer sees only their own entries', async () => {
      const seen = await allLogs(alice.bearer);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((e) => e.owner_id === alice.id)).toBe(true);
      expect(seen.some((e) => e.event === 'login' && e.user_id === alice.id)).toBe(true);
      expect(seen.some((e) => e.event === 'login_failed' && e.user_id === alice.id)).toBe(true);
      expect(seen.some((e) => e.user_id === bob.id)).toBe(false);
      expect(seen.some((e) => /^(user|role)_/.test(e.event))).toBe(false);
      expect(seen.some((e) => e.user === ghost)).toBe(false);
    });

    it("a user with [audit_view, view_all] sees every user's owned entries, but not the owner-less ones", async () => {
      const roleName = uniqueName('auditor');
      await newRole(t, roleName, ['audit_view', 'view_all']);
      const auditor = await newUser(t, { roles: [roleName] });
      const seen = await allLogs(auditor.bearer);
      expect(seen.some((e) => e.event === 'login' && e.owner_id === alice.id)).toBe(true);
      expect(seen.some((e) => e.event === 'login' && e.owner_id === bob.id)).toBe(true);
      expect(seen.some((e) => e.event === 'login' && e.owner_id === admin.id)).toBe(true);
      expect(seen.some((e) => e.event === 'login_failed' && e.owner_id === alice.id)).toBe(true);
      expect(seen.every((e) => e.owner_id !== null)).toBe(true);
      expect(seen.some((e) => /^(user|role)_/.test(e.event))).toBe(false);
      expect(seen.some((e) => e.user === ghost)).toBe(false);

      const { rows } = await db.query<{ count: string }>(
        `SELECT count(*) AS count FROM audit_logs WHERE owner_id IS NOT NULL AND created_time > now() - interval '1 hour'`,
      );
      expect(seen.length).toBe(Number(rows[0].count));
    });

    it('an admin sees everything, the owner-less entries included', async () => {
      const seen = await allLogs(admin.bearer);
      expect(seen.some((e) => e.owner_id === alice.id)).toBe(true);
      expect(seen.some((e) => e.owner_id === bob.id)).toBe(true);
      expect(seen.some((e) => e.user === ghost && e.owner_id === null)).toBe(true);
      expect(seen.some((e) => e.event === 'user_created' && e.owner_id === null)).toBe(true);
      expect(seen.some((e) => e.event === 'role_created' && e.owner_id === null)).toBe(true);
      const { rows } = await db.query<{ count: string }>(
        `SELECT count(*) AS count FROM audit_logs WHERE created_time > now() - interval '1 hour'`,
      );
      expect(seen.length).toBe(Number(rows[0].count));
    });

    it('needs a token (401) and the audit_view permission (403)', async () => {
      const res = await t.http().get('/api/v1/logs').expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      const roleless = await newUser(t, { roles: [] });
      const forbidden = await logs(roleless.bearer).expect(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });
  });

  describe('filters, order and pagination', () => {
    it('lists newest first', async () => {
      const seen = await allLogs(admin.bearer);
      expect(seen.length).toBeGreaterThan(5);
      const times = seen.map((e) => Date.parse(e.created_time));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('event=login returns only logins', async () => {
      const seen = await allLogs(admin.bearer, { event: 'login' });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((e) => e.event === 'login')).toBe(true);
      const { rows } = await db.query<{ count: string }>(
        `SELECT count(*) AS count FROM audit_logs WHERE event = 'login' AND created_time > now() - interval '1 hour'`,
      );
      expect(seen.length).toBe(Number(rows[0].count));
    });

    it('job_id of a job nobody has returns an empty list', async () => {
      const res = await logs(admin.bearer, { job_id: randomUUID() }).expect(200);
      expect(res.body).toEqual({ logs: [], total: 0 });
    });

    describe('time range', () => {
      let oldId: string;
      const hoursAgo = (hours: number): string => new Date(Date.now() - hours * 3600_000).toISOString();

      beforeAll(async () => {
        const { rows } = await db.query<{ id: string }>(
          `INSERT INTO audit_logs (event, "user", user_id, owner_id, description, created_time)
           VALUES ('login', $1, $2, $2, 'an old login', now() - interval '2 hours') RETURNING id`,
          [TEST_ADMIN.username, admin.id],
        );
        oldId = rows[0].id;
      });

      it('defaults to the last hour: an entry from two hours ago is left out', async () => {
        const seen = await allLogs(admin.bearer);
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.some((e) => e.id === oldId)).toBe(false);
        expect(seen.every((e) => Date.parse(e.created_time) > Date.now() - 3600_000 - 5_000)).toBe(true);
      });

      it('an explicit range includes it, and excludes what lies outside', async () => {
        const wide = await allLogs(admin.bearer, { time_range_start: hoursAgo(3), time_range_end: hoursAgo(-0.1) });
        expect(wide.some((e) => e.id === oldId)).toBe(true);
        expect(wide.some((e) => e.event === 'user_created')).toBe(true);

        const res = await logs(admin.bearer, { time_range_start: hoursAgo(3), time_range_end: hoursAgo(1.5) });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          logs: [
            expect.objectContaining({
              id: oldId,
              event: 'login',
              user: TEST_ADMIN.username,
              user_id: admin.id,
              owner_id: admin.id,
              description: 'an old login',
            }),
          ],
          total: 1,
        });

        const recentOnly = await allLogs(admin.bearer, {
          time_range_start: hoursAgo(1.5),
          time_range_end: hoursAgo(-0.1),
        });
        expect(recentOnly.some((e) => e.id === oldId)).toBe(false);
        expect(recentOnly.length).toBe(wide.length - 1);
      });

      it("another user's old entry stays out of a viewer's explicit range", async () => {
        const viewer = await newUser(t);
        const seen = await allLogs(viewer.bearer, { time_range_start: hoursAgo(3), time_range_end: hoursAgo(1.5) });
        expect(seen).toEqual([]);
      });
    });

    it('limit and offset page through the list; total counts every match', async () => {
      const everything = await allLogs(admin.bearer);
      expect(everything.length).toBeGreaterThan(4);
      const page = await logs(admin.bearer, { limit: 2, offset: 1 }).expect(200);
      expect(page.body).toEqual({ logs: everything.slice(1, 3), total: everything.length });
      const past = await logs(admin.bearer, { limit: 10, offset: everything.length }).expect(200);
      expect(past.body).toEqual({ logs: [], total: everything.length });
    });

    it('defaults to 100 entries per page', async () => {
      // Enough entries for more than one default page: failed logins of unknown names are cheap.
      const before = (await logs(admin.bearer, { limit: 1 }).expect(200)).body as { total: number };
      for (let i = before.total; i < 105; i++) await loginRequest(uniqueName('filler'), 'wrong-password-x').expect(401);
      const res = await logs(admin.bearer).expect(200);
      const body = res.body as { logs: AuditLogBody[]; total: number };
      expect(body.logs).toHaveLength(100);
      expect(body.total).toBeGreaterThanOrEqual(105);
    });
  });

  describe('validation (400 naming the field)', () => {
    it.each([
      ['limit over 1000', { limit: '1001' }, 'limit'],
      ['limit 0', { limit: '0' }, 'limit'],
      ['negative offset', { offset: '-1' }, 'offset'],
      ['unknown event', { event: 'nope' }, 'event'],
      ['malformed time_range_start', { time_range_start: 'yesterday' }, 'time_range_start'],
      ['malformed time_range_end', { time_range_end: '2026-13-45' }, 'time_range_end'],
      ['job_id not a uuid', { job_id: 'not-a-uuid' }, 'job_id'],
      [
        'start after end',
        { time_range_start: '2026-01-02T00:00:00Z', time_range_end: '2026-01-01T00:00:00Z' },
        'time_range_start',
      ],
      ['an unknown query parameter', { colour: 'blue' }, 'colour'],
    ])('%s', async (_case, query, field) => {
      const res = await logs(admin.bearer, query);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.arrayContaining([expect.stringContaining(field)]),
      });
    });
  });

  describe('audit logs cannot be changed or deleted through the API', () => {
    it('PUT, PATCH, DELETE and POST on /logs and /logs/:id are 404, and every row stays as it was', async () => {
      const viewer = await newUser(t);
      const before = await dbRows('true', []);
      const target = before.find((row) => row.owner_id === viewer.id && row.event === 'login');
      expect(target).toBeDefined();

      const attempts = [
        t.http().put('/api/v1/logs').send({ logs: [] }),
        t.http().patch('/api/v1/logs').send({ description: 'x' }),
        t.http().delete('/api/v1/logs'),
        t.http().post('/api/v1/logs').send({ event: 'login', user: 'forged', description: 'forged' }),
        t.http().put(`/api/v1/logs/${target!.id}`).send({ description: 'tampered' }),
        t.http().patch(`/api/v1/logs/${target!.id}`).send({ description: 'tampered' }),
        t.http().delete(`/api/v1/logs/${target!.id}`),
      ];
      for (const attempt of attempts) {
        const res = await attempt.set('Authorization', admin.bearer);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }

      const after = await dbRows('true', []);
      const byId = new Map(after.map((row) => [row.id, row]));
      for (const row of before) expect(byId.get(row.id)).toEqual(row);
      expect(after.some((row) => row.user === 'forged' || row.description === 'tampered')).toBe(false);
    });
  });
});
