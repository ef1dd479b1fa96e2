import pg from 'pg';
import type { Response, Test } from 'supertest';
import { login, loginAdmin, newRole, newUser, strongPassword, uniqueName, type Actor } from './support/actors.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

/** The user object of API.md ("Details that clients rely on"), and nothing else. */
const USER_KEYS = ['created_time', 'email', 'id', 'is_active', 'last_login', 'roles', 'username'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INVALID_LOGIN = { statusCode: 401, message: 'Invalid username or password', error: 'Unauthorized' };
const USER_NOT_FOUND = { statusCode: 404, message: 'User not found', error: 'Not Found' };
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

interface UserBody {
  id: string;
  username: string;
  email: string | null;
  is_active: boolean;
  roles: string[];
  created_time: string;
  last_login: string | null;
}

interface UserListBody {
  users: UserBody[];
  total: number;
}

interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
}

/** Every response body this file receives through `tracked()`, for the "no secrets leak" test at the end. */
const seen: Array<{ request: string; status: number; body: unknown }> = [];

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** supertest on the app whose every response body is recorded in `seen`. */
function tracked(t: TestApp): Record<Method, (url: string) => Test> {
  const call =
    (method: Method) =>
    (url: string): Test => {
      const req = t.http()[method](url);
      req.on('response', (res: Response) => {
        seen.push({ request: `${method.toUpperCase()} ${url}`, status: res.status, body: res.body });
      });
      return req;
    };
  return { get: call('get'), post: call('post'), patch: call('patch'), put: call('put'), delete: call('delete') };
}

async function sql<T extends pg.QueryResultRow>(t: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: t.database.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** The user's row and role names as stored, or null when there is no row. */
async function storedUser(
  t: TestApp,
  id: string,
): Promise<{
  username: string;
  email: string | null;
  is_active: boolean;
  password_hash: string;
  roles: string[];
} | null> {
  const rows = await sql<{
    username: string;
    email: string | null;
    is_active: boolean;
    password_hash: string;
    roles: string[];
  }>(
    t,
    `SELECT u.username, u.email, u.is_active, u.password_hash,
            ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                   WHERE ur.user_id = u.id ORDER BY r.name) AS roles
       FROM users u WHERE u.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

async function userCountByName(t: TestApp, username: string): Promise<number> {
  const rows = await sql<{ count: string }>(
    t,
    'SELECT count(*) AS count FROM users WHERE lower(username) = lower($1)',
    [username],
  );
  return Number(rows[0].count);
}

/** Ids of the active users holding the admin role. */
async function activeAdminIds(t: TestApp): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    t,
    `SELECT DISTINCT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
      WHERE r.name = 'admin' AND u.is_active ORDER BY u.id`,
  );
  return rows.map((row) => row.id);
}

const messagesOf = (body: ErrorBody): string[] => (Array.isArray(body.message) ? body.message : [body.message]);

describe('users', () => {
  let t: TestApp;
  let api: ReturnType<typeof tracked>;
  let admin: Actor;

  beforeAll(async () => {
    t = await createTestApp();
    api = tracked(t);
    admin = await loginAdmin(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const createUser = (body: object, bearer: string = admin.bearer) =>
    api.post('/api/v1/users').set('Authorization', bearer).send(body);

  describe('POST /api/v1/users', () => {
    it('creates a user: 201 with exactly the documented fields, the password stored only as a bcrypt hash', async () => {
      const username = uniqueName();
      const password = strongPassword();
      const before = Date.now();
      const res = await createUser({ username, password, email: 'new@example.com', roles: ['job_manager'] }).expect(
        201,
      );
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        username,
        email: 'new@example.com',
        is_active: true,
        roles: ['job_manager'],
        created_time: expect.stringMatching(ISO_UTC),
        last_login: null,
      });
      const created = Date.parse((res.body as UserBody).created_time);
      expect(created).toBeGreaterThanOrEqual(before - 5_000);
      expect(created).toBeLessThanOrEqual(Date.now() + 5_000);

      const row = await storedUser(t, (res.body as UserBody).id);
      expect(row).toMatchObject({ username, email: 'new@example.com', is_active: true, roles: ['job_manager'] });
      expect(row?.password_hash).toMatch(/^\$2[aby]\$\d{2}\$/);
      expect(row?.password_hash).not.toContain(password);

      // the new user can log in with that password, and last_login is then set
      await login(t, username, password);
      const fetched = await api
        .get(`/api/v1/users/${(res.body as UserBody).id}`)
        .set('Authorization', admin.bearer)
        .expect(200);
      expect((fetched.body as UserBody).last_login).toMatch(ISO_UTC);
    });

    it('gives the default role viewer when roles are left out, and no role for roles: []', async () => {
      const defaulted = await createUser({ username: uniqueName(), password: strongPassword() }).expect(201);
      expect((defaulted.body as UserBody).roles).toEqual(['viewer']);
      expect((await storedUser(t, (defaulted.body as UserBody).id))?.roles).toEqual(['viewer']);

      const none = await createUser({ username: uniqueName(), password: strongPassword(), roles: [] }).expect(201);
      expect((none.body as UserBody).roles).toEqual([]);
      expect((await storedUser(t, (none.body as UserBody).id))?.roles).toEqual([]);
    });

    it('takes several roles and email-less users (email null)', async () => {
      const res = await createUser({
        username: uniqueName(),
        password: strongPassword(),
        roles: ['viewer', 'job_manager'],
      }).expect(201);
      expect((res.body as UserBody).roles).toEqual(['job_manager', 'viewer']);
      expect((res.body as UserBody).email).toBeNull();
    });

    it('creates a disabled user with is_active: false, who cannot log in', async () => {
      const username = uniqueName();
      const password = strongPassword();
      const res = await createUser({ username, password, is_active: false }).expect(201);
      expect((res.body as UserBody).is_active).toBe(false);
      const attempt = await api.post('/api/v1/auth/login').send({ username, password }).expect(401);
      expect(attempt.body).toEqual(INVALID_LOGIN);
    });

    it('refuses a username taken in another case with 409, creating nothing', async () => {
      const base = uniqueName('case');
      await createUser({ username: base, password: strongPassword() }).expect(201);
      const res = await createUser({ username: base.toUpperCase(), password: strongPassword() }).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect(await userCountByName(t, base)).toBe(1);
      // the seeded admin too
      await createUser({ username: TEST_ADMIN.username.toUpperCase(), password: strongPassword() }).expect(409);
    });

    it('answers one 201 and one 409 to two concurrent creations of the same name in different case', async () => {
      const base = uniqueName('race');
      const results = await Promise.all([
        createUser({ username: base, password: strongPassword() }),
        createUser({ username: base.toUpperCase(), password: strongPassword() }),
      ]);
      expect(results.map((res) => res.status).sort()).toEqual([201, 409]);
      expect(await userCountByName(t, base)).toBe(1);
    });

    it('refuses an unknown role with 400 naming it, creating nothing', async () => {
      const username = uniqueName();
      const res = await createUser({ username, password: strongPassword(), roles: ['viewer', 'no-such-role'] }).expect(
        400,
      );
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const messages = messagesOf(res.body as ErrorBody);
      expect(messages.join(' ')).toContain('no-such-role');
      expect(messages.join(' ')).toContain('roles');
      expect(messages.join(' ')).not.toContain('viewer');
      expect(await userCountByName(t, username)).toBe(0);
    });

    describe('refuses a weak password with 400 naming password', () => {
      it.each([
        ['too short', () => 'Sh0rt-pw', 'password must be at least 12 characters long'],
        ['too common', () => 'password1234', 'password is too common; choose another'],
        ['containing the username', (username: string) => `x-${username.toUpperCase()}-9z`, null],
        ['over 72 bytes', () => 'é'.repeat(37), null],
        ['one repeated character', () => 'q'.repeat(20), null],
      ])('%s', async (_case, make, exact) => {
        const username = uniqueName('weak');
        const res = await createUser({ username, password: make(username) }).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        const messages = messagesOf(res.body as ErrorBody);
        if (exact) expect(messages).toEqual([exact]);
        expect(messages.some((message) => message.startsWith('password '))).toBe(true);
        expect(await userCountByName(t, username)).toBe(0);
      });

      it('says which rule: the username, and the 72-byte bcrypt limit', async () => {
        const username = uniqueName('weak');
        const withName = await createUser({ username, password: `x-${username}-9z` }).expect(400);
        expect(messagesOf(withName.body as ErrorBody)).toEqual(['password must not contain the username']);
        const long = await createUser({ username, password: 'é'.repeat(37) }).expect(400);
        expect(messagesOf(long.body as ErrorBody).join(' ')).toMatch(/password must be at most 72 bytes/);
      });
    });

    it.each([
      ['too short', 'ab'],
      ['empty', ''],
      ['with a space', 'has space'],
      ['starting with a dash', '-dash'],
      ['with a slash', 'a/b/c'],
      ['non-ASCII', 'jürgen'],
      ['over 64 characters', 'u'.repeat(65)],
      ['not a string', 12345],
    ])('refuses an invalid username (%s) with 400 naming username', async (_case, username) => {
      const res = await createUser({ username, password: strongPassword() }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(messagesOf(res.body as ErrorBody).some((message) => message.includes('username'))).toBe(true);
    });

    it('refuses a missing password, an invalid email and fields that are not part of the contract with 400', async () => {
      const noPassword = await createUser({ username: uniqueName() }).expect(400);
      expect(messagesOf(noPassword.body as ErrorBody).join(' ')).toContain('password');
      const badEmail = await createUser({ username: uniqueName(), password: strongPassword(), email: 'nope' }).expect(
        400,
      );
      expect(messagesOf(badEmail.body as ErrorBody).join(' ')).toContain('email');
      const username = uniqueName();
      const hashSmuggled = await createUser({
        username,
        password: strongPassword(),
        password_hash: '$2b$04$abcdefghijklmnopqrstuuE5Zb7c7o0X0V0f3a5m0m1QyG3h0a2e6',
      }).expect(400);
      expect(messagesOf(hashSmuggled.body as ErrorBody).join(' ')).toContain('password_hash');
      expect(await userCountByName(t, username)).toBe(0);
    });

    it('needs a token (401)', async () => {
      await api.post('/api/v1/users').send({ username: uniqueName(), password: strongPassword() }).expect(401);
    });
  });

  describe('GET /api/v1/users', () => {
    it('lists {users, total} with total equal to the number of users', async () => {
      await newUser(t);
      const res = await api.get('/api/v1/users?limit=1000').set('Authorization', admin.bearer).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['total', 'users']);
      const body = res.body as UserListBody;
      const [{ count }] = await sql<{ count: string }>(t, 'SELECT count(*) AS count FROM users');
      expect(body.total).toBe(Number(count));
      expect(body.users).toHaveLength(body.total);
      for (const user of body.users) expect(Object.keys(user).sort()).toEqual(USER_KEYS);
      expect(body.users.find((user) => user.username === TEST_ADMIN.username)).toMatchObject({
        roles: ['admin'],
        is_active: true,
      });
    });

    it('pages with limit and offset, total staying the full count', async () => {
      for (let i = 0; i < 3; i += 1) await newUser(t);
      const all = (await api.get('/api/v1/users?limit=1000').set('Authorization', admin.bearer).expect(200))
        .body as UserListBody;
      expect(all.total).toBeGreaterThanOrEqual(4);

      const paged: string[] = [];
      for (let offset = 0; offset < all.total; offset += 2) {
        const page = (
          await api.get(`/api/v1/users?limit=2&offset=${offset}`).set('Authorization', admin.bearer).expect(200)
        ).body as UserListBody;
        expect(page.total).toBe(all.total);
        expect(page.users.length).toBe(Math.min(2, all.total - offset));
        paged.push(...page.users.map((user) => user.id));
      }
      expect(paged).toEqual(all.users.map((user) => user.id));
      expect(new Set(paged).size).toBe(all.total);

      const one = (await api.get('/api/v1/users?limit=1&offset=1').set('Authorization', admin.bearer).expect(200))
        .body as UserListBody;
      expect(one.users.map((user) => user.id)).toEqual([all.users[1].id]);
      const past = (await api.get(`/api/v1/users?offset=${all.total}`).set('Authorization', admin.bearer).expect(200))
        .body as UserListBody;
      expect(past).toEqual({ users: [], total: all.total });
    });

    it.each([
      ['limit=1001', 'limit'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
    ])('refuses %s with 400 naming the parameter', async (query, field) => {
      const res = await api.get(`/api/v1/users?${query}`).set('Authorization', admin.bearer).expect(400);
      expect(messagesOf(res.body as ErrorBody).some((message) => message.includes(field))).toBe(true);
    });

    it('accepts limit=1000', async () => {
      await api.get('/api/v1/users?limit=1000').set('Authorization', admin.bearer).expect(200);
    });

    it('answers at most 100 users without a limit', async () => {
      // 101 extra users straight in the database (their hashes are bcrypt-looking canaries for the leak check)
      await sql(
        t,
        `INSERT INTO users (username, password_hash)
         SELECT 'bulk-' || g || '-' || $1, '$2b$04$' || md5(g::text) || 'abcdefghijklmnopqrstu' FROM generate_series(1, 101) g`,
        [uniqueName('b')],
      );
      const res = await api.get('/api/v1/users').set('Authorization', admin.bearer).expect(200);
      const body = res.body as UserListBody;
      const [{ count }] = await sql<{ count: string }>(t, 'SELECT count(*) AS count FROM users');
      expect(body.total).toBe(Number(count));
      expect(body.total).toBeGreaterThan(100);
      expect(body.users).toHaveLength(100);
    });
  });

  describe('GET /api/v1/users filters (q, role, is_active)', () => {
    const list = async (query: string): Promise<UserListBody> =>
      (await api.get(`/api/v1/users?${query}`).set('Authorization', admin.bearer).expect(200)).body as UserListBody;

    it('q matches username or email, case-insensitively, with % and _ taken literally', async () => {
      const tag = uniqueName('find');
      const byName = await newUser(t, { username: `${tag}-a` });
      const byEmail = await newUser(t, { email: `${tag.toUpperCase()}@example.com` });
      await newUser(t);
      const found = await list(`q=${tag.toUpperCase()}&limit=1000`);
      expect(found.users.map((user) => user.id).sort()).toEqual([byName.id, byEmail.id].sort());
      expect(found.total).toBe(2);
      for (const user of found.users) expect(Object.keys(user).sort()).toEqual(USER_KEYS);
      expect(await list('q=%25')).toEqual({ users: [], total: 0 });
      expect(await list(`q=${tag.replace('-', '_')}`)).toEqual({ users: [], total: 0 });
    });

    it('role lists exactly the holders of that role, each with all of their roles; an unknown role lists none', async () => {
      const roleName = uniqueName('holders');
      await newRole(t, roleName, ['job_view']);
      const both = await newUser(t, { roles: [roleName, 'viewer'] });
      const only = await newUser(t, { roles: [roleName] });
      const found = await list(`role=${roleName}`);
      expect(found.total).toBe(2);
      expect(found.users.map((user) => user.id).sort()).toEqual([both.id, only.id].sort());
      expect(found.users.find((user) => user.id === both.id)?.roles).toEqual([roleName, 'viewer'].sort());
      const [{ count }] = await sql<{ count: string }>(
        t,
        `SELECT count(*) AS count FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = 'admin'`,
      );
      expect((await list('role=admin')).total).toBe(Number(count));
      expect(await list('role=no-such-role')).toEqual({ users: [], total: 0 });
    });

    it('is_active=false lists the disabled users only; combined with role and paged, total stays the full count', async () => {
      const roleName = uniqueName('paged');
      await newRole(t, roleName, ['job_view']);
      const users = [
        await newUser(t, { roles: [roleName] }),
        await newUser(t, { roles: [roleName] }),
        await newUser(t, { roles: [roleName] }),
      ];
      await api.patch(`/api/v1/users/${users[1].id}`).set('Authorization', admin.bearer).send({ is_active: false });
      const disabled = await list(`role=${roleName}&is_active=false`);
      expect(disabled.users.map((user) => user.id)).toEqual([users[1].id]);
      const active = await list(`role=${roleName}&is_active=true&limit=1`);
      expect(active.total).toBe(2);
      expect(active.users).toHaveLength(1);
      const [{ count }] = await sql<{ count: string }>(t, 'SELECT count(*) AS count FROM users WHERE NOT is_active');
      expect((await list('is_active=false')).total).toBe(Number(count));
    });

    it('refuses a non-boolean is_active and an over-long q with 400 naming them', async () => {
      const bad = await api.get('/api/v1/users?is_active=maybe').set('Authorization', admin.bearer).expect(400);
      expect(messagesOf(bad.body as ErrorBody).some((message) => message.includes('is_active'))).toBe(true);
      const long = await api
        .get(`/api/v1/users?q=${'x'.repeat(201)}`)
        .set('Authorization', admin.bearer)
        .expect(400);
      expect(messagesOf(long.body as ErrorBody).some((message) => message.includes('q'))).toBe(true);
    });
  });

  describe('GET /api/v1/users/:id/ownership', () => {
    it('counts the jobs and scripts the user owns, as the database holds them', async () => {
      const owner = await newUser(t, { roles: ['job_manager'] });
      expect(
        (await api.get(`/api/v1/users/${owner.id}/ownership`).set('Authorization', admin.bearer).expect(200)).body,
      ).toEqual({ jobs: 0, scripts: 0 });
      for (const name of ['own-1', 'own-2']) {
        await api
          .post('/api/v1/jobs')
          .set('Authorization', owner.bearer)
          .send({ name, job_class_string: 'SampleJob', pub_args: ['x'], paused: true })
          .expect(201);
      }
      const res = await api.get(`/api/v1/users/${owner.id}/ownership`).set('Authorization', admin.bearer).expect(200);
      const [row] = await sql<{ jobs: string; scripts: string }>(
        t,
        `SELECT (SELECT count(*) FROM jobs WHERE owner_id = $1) AS jobs,
                (SELECT count(*) FROM scripts WHERE owner_id = $1) AS scripts`,
        [owner.id],
      );
      expect(res.body).toEqual({ jobs: 2, scripts: 0 });
      expect(res.body).toEqual({ jobs: Number(row.jobs), scripts: Number(row.scripts) });
    });

    it('answers 404 for a missing or malformed id, and 403 without user_manage', async () => {
      await api
        .get('/api/v1/users/00000000-0000-4000-8000-000000000000/ownership')
        .set('Authorization', admin.bearer)
        .expect(404);
      await api.get('/api/v1/users/nope/ownership').set('Authorization', admin.bearer).expect(404);
      const viewer = await newUser(t);
      await api.get(`/api/v1/users/${viewer.id}/ownership`).set('Authorization', viewer.bearer).expect(403);
    });
  });

  describe('GET /api/v1/users/:id', () => {
    it('returns the user', async () => {
      const user = await newUser(t, { roles: ['viewer', 'job_manager'], email: 'get@example.com' });
      const res = await api.get(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body).toEqual({
        id: user.id,
        username: user.username,
        email: 'get@example.com',
        is_active: true,
        roles: ['job_manager', 'viewer'],
        created_time: expect.stringMatching(ISO_UTC),
        last_login: expect.stringMatching(ISO_UTC),
      });
    });

    it.each([
      ['a missing id', MISSING_ID],
      ['a malformed id', 'not-a-uuid'],
      ['a number', '12345'],
    ])('answers the same 404 for %s', async (_case, id) => {
      const res = await api.get(`/api/v1/users/${id}`).set('Authorization', admin.bearer).expect(404);
      expect(res.body).toEqual(USER_NOT_FOUND);
    });

    it('answers 404 to PATCH, PUT roles and DELETE of a missing or malformed id', async () => {
      for (const id of [MISSING_ID, 'not-a-uuid']) {
        const patched = await api
          .patch(`/api/v1/users/${id}`)
          .set('Authorization', admin.bearer)
          .send({ email: 'x@example.com' })
          .expect(404);
        expect(patched.body).toEqual(USER_NOT_FOUND);
        const put = await api
          .put(`/api/v1/users/${id}/roles`)
          .set('Authorization', admin.bearer)
          .send({ roles: ['viewer'] })
          .expect(404);
        expect(put.body).toEqual(USER_NOT_FOUND);
        const deleted = await api.delete(`/api/v1/users/${id}`).set('Authorization', admin.bearer).expect(404);
        expect(deleted.body).toEqual(USER_NOT_FOUND);
      }
    });
  });

  describe('PATCH /api/v1/users/:id', () => {
    const patch = (id: string, body: object, bearer: string = admin.bearer) =>
      api.patch(`/api/v1/users/${id}`).set('Authorization', bearer).send(body);

    it('changes the email, and clears it with null', async () => {
      const user = await newUser(t, { email: 'old@example.com' });
      const res = await patch(user.id, { email: 'new@example.com' }).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body).toMatchObject({ id: user.id, username: user.username, email: 'new@example.com' });
      expect((await storedUser(t, user.id))?.email).toBe('new@example.com');

      const cleared = await patch(user.id, { email: null }).expect(200);
      expect((cleared.body as UserBody).email).toBeNull();
      expect((await storedUser(t, user.id))?.email).toBeNull();
    });

    it('refuses an invalid email with 400 naming email, changing nothing', async () => {
      const user = await newUser(t, { email: 'keep@example.com' });
      const res = await patch(user.id, { email: 'not-an-email' }).expect(400);
      expect(messagesOf(res.body as ErrorBody).join(' ')).toContain('email');
      expect((await storedUser(t, user.id))?.email).toBe('keep@example.com');
    });

    it('disables a user: they can no longer log in and their token is refused; enabling lets them log in again', async () => {
      const user = await newUser(t);
      const res = await patch(user.id, { is_active: false }).expect(200);
      expect(res.body).toMatchObject({ id: user.id, is_active: false });
      expect((await storedUser(t, user.id))?.is_active).toBe(false);

      const attempt = await api
        .post('/api/v1/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(401);
      expect(attempt.body).toEqual(INVALID_LOGIN);
      await api.get('/api/v1/auth/me').set('Authorization', user.bearer).expect(401);

      const enabled = await patch(user.id, { is_active: true }).expect(200);
      expect((enabled.body as UserBody).is_active).toBe(true);
      const again = await login(t, user.username, user.password);
      await api.get('/api/v1/auth/me').set('Authorization', again.bearer).expect(200);
    });

    it('resets the password: the old one fails, the new one works, earlier tokens are refused', async () => {
      const user = await newUser(t);
      const next = strongPassword();
      const res = await patch(user.id, { password: next }).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);

      const old = await api
        .post('/api/v1/auth/login')
        .send({ username: user.username, password: user.password })
        .expect(401);
      expect(old.body).toEqual(INVALID_LOGIN);
      await api.get('/api/v1/auth/me').set('Authorization', user.bearer).expect(401);
      const fresh = await login(t, user.username, next);
      await api.get('/api/v1/auth/me').set('Authorization', fresh.bearer).expect(200);
    });

    it('refuses a weak new password with 400 naming password, keeping the old one', async () => {
      const user = await newUser(t);
      for (const [password, message] of [
        ['short-pw', 'password must be at least 12 characters long'],
        ['password1234', 'password is too common; choose another'],
        [`${user.username}-and-more`, 'password must not contain the username'],
      ]) {
        const res = await patch(user.id, { password }).expect(400);
        expect(messagesOf(res.body as ErrorBody)).toEqual([message]);
      }
      const long = await patch(user.id, { password: 'é'.repeat(37) }).expect(400);
      expect(messagesOf(long.body as ErrorBody).join(' ')).toMatch(/password must be at most 72 bytes/);
      await login(t, user.username, user.password);
    });

    it('refuses a non-boolean is_active with 400 naming it', async () => {
      const user = await newUser(t);
      const res = await patch(user.id, { is_active: 'no' }).expect(400);
      expect(messagesOf(res.body as ErrorBody).join(' ')).toContain('is_active');
      expect((await storedUser(t, user.id))?.is_active).toBe(true);
    });
  });

  describe('PUT /api/v1/users/:id/roles', () => {
    const putRoles = (id: string, roles: unknown, bearer: string = admin.bearer) =>
      api.put(`/api/v1/users/${id}/roles`).set('Authorization', bearer).send({ roles });

    it('replaces the roles, which take effect at once for the same token', async () => {
      const user = await newUser(t, { roles: ['viewer'] });
      const res = await putRoles(user.id, ['job_manager']).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect((res.body as UserBody).roles).toEqual(['job_manager']);
      expect((await storedUser(t, user.id))?.roles).toEqual(['job_manager']);
      const me = await api.get('/api/v1/auth/me').set('Authorization', user.bearer).expect(200);
      expect((me.body as { roles: string[]; permissions: string[] }).roles).toEqual(['job_manager']);
      expect((me.body as { permissions: string[] }).permissions).toContain('job_create');

      const both = await putRoles(user.id, ['viewer', 'job_manager']).expect(200);
      expect((both.body as UserBody).roles).toEqual(['job_manager', 'viewer']);
      const none = await putRoles(user.id, []).expect(200);
      expect((none.body as UserBody).roles).toEqual([]);
      expect((await storedUser(t, user.id))?.roles).toEqual([]);
    });

    it('refuses an unknown role with 400 naming it, keeping the roles', async () => {
      const user = await newUser(t, { roles: ['viewer'] });
      const res = await putRoles(user.id, ['job_manager', 'ghost-role']).expect(400);
      expect(messagesOf(res.body as ErrorBody).join(' ')).toContain('ghost-role');
      expect((await storedUser(t, user.id))?.roles).toEqual(['viewer']);
    });

    it('refuses a missing or malformed roles list with 400 naming roles', async () => {
      const user = await newUser(t);
      for (const body of [{}, { roles: 'viewer' }, { roles: ['viewer', 'viewer'] }, { roles: [1] }]) {
        const res = await api
          .put(`/api/v1/users/${user.id}/roles`)
          .set('Authorization', admin.bearer)
          .send(body)
          .expect(400);
        expect(messagesOf(res.body as ErrorBody).join(' ')).toContain('roles');
      }
      expect((await storedUser(t, user.id))?.roles).toEqual(['viewer']);
    });
  });

  describe('DELETE /api/v1/users/:id', () => {
    it('answers 204, then 404; the row and its role links are gone, its token and login refused', async () => {
      const user = await newUser(t, { roles: ['viewer', 'job_manager'] });
      const res = await api.delete(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(204);
      expect(res.text).toBe('');

      expect(await storedUser(t, user.id)).toBeNull();
      const links = await sql<{ count: string }>(t, 'SELECT count(*) AS count FROM user_roles WHERE user_id = $1', [
        user.id,
      ]);
      expect(Number(links[0].count)).toBe(0);

      expect((await api.get(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(404)).body).toEqual(
        USER_NOT_FOUND,
      );
      await api.delete(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(404);
      await api.get('/api/v1/auth/me').set('Authorization', user.bearer).expect(401);
      await api.post('/api/v1/auth/login').send({ username: user.username, password: user.password }).expect(401);
      const list = (await api.get('/api/v1/users?limit=1000').set('Authorization', admin.bearer).expect(200))
        .body as UserListBody;
      expect(list.users.map((u) => u.id)).not.toContain(user.id);
    });

    it('frees the username for a new user', async () => {
      const user = await newUser(t);
      await api.delete(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(204);
      await createUser({ username: user.username, password: strongPassword() }).expect(201);
    });
  });

  describe('privileges (403)', () => {
    /** A user holding only a custom role [user_manage, job_view]. */
    let manager: Actor;
    let managerRole: string;

    beforeAll(async () => {
      managerRole = uniqueName('umgr');
      await newRole(t, managerRole, ['user_manage', 'job_view']);
      manager = await newUser(t, { roles: [managerRole] });
    });

    const forbiddenMessage = (res: { body: unknown }): string => messagesOf(res.body as ErrorBody).join(' ');

    it('a user manager cannot create a user with the admin role', async () => {
      const username = uniqueName();
      const res = await createUser({ username, password: strongPassword(), roles: ['admin'] }, manager.bearer).expect(
        403,
      );
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(await userCountByName(t, username)).toBe(0);
    });

    it('a user manager cannot create a user with job_manager, whose permissions it lacks, and is told which', async () => {
      const username = uniqueName();
      const res = await createUser(
        { username, password: strongPassword(), roles: ['job_manager'] },
        manager.bearer,
      ).expect(403);
      expect(forbiddenMessage(res)).toContain('job_create');
      expect(forbiddenMessage(res)).not.toContain('job_view');
      expect(await userCountByName(t, username)).toBe(0);
    });

    it('a user manager cannot grant viewer (it lacks execution_view and audit_view), nor get it by default', async () => {
      const username = uniqueName();
      const res = await createUser({ username, password: strongPassword(), roles: ['viewer'] }, manager.bearer).expect(
        403,
      );
      expect(forbiddenMessage(res)).toContain('execution_view');
      expect(forbiddenMessage(res)).toContain('audit_view');
      await createUser({ username, password: strongPassword() }, manager.bearer).expect(403);
      expect(await userCountByName(t, username)).toBe(0);
    });

    it('a user manager can create a user without roles, or with roles within its own permissions', async () => {
      const none = await createUser({ username: uniqueName(), password: strongPassword(), roles: [] }, manager.bearer);
      expect(none.status).toBe(201);
      expect((none.body as UserBody).roles).toEqual([]);
      const same = await createUser(
        { username: uniqueName(), password: strongPassword(), roles: [managerRole] },
        manager.bearer,
      ).expect(201);
      expect((same.body as UserBody).roles).toEqual([managerRole]);
    });

    it('a user manager cannot raise a manageable user to admin or job_manager', async () => {
      const target = await newUser(t, { roles: [] });
      for (const roles of [['admin'], ['job_manager'], ['viewer']]) {
        await api
          .put(`/api/v1/users/${target.id}/roles`)
          .set('Authorization', manager.bearer)
          .send({ roles })
          .expect(403);
      }
      expect((await storedUser(t, target.id))?.roles).toEqual([]);
    });

    it('a user manager cannot PATCH, DELETE or set the roles of an admin', async () => {
      const otherAdmin = await newUser(t, { roles: ['admin'], email: 'admin2@example.com' });
      try {
        for (const body of [{ email: 'taken@example.com' }, { is_active: false }, { password: strongPassword() }]) {
          const res = await api
            .patch(`/api/v1/users/${otherAdmin.id}`)
            .set('Authorization', manager.bearer)
            .send(body)
            .expect(403);
          expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        }
        await api.delete(`/api/v1/users/${otherAdmin.id}`).set('Authorization', manager.bearer).expect(403);
        await api
          .put(`/api/v1/users/${otherAdmin.id}/roles`)
          .set('Authorization', manager.bearer)
          .send({ roles: [] })
          .expect(403);
        await api.delete(`/api/v1/users/${admin.id}`).set('Authorization', manager.bearer).expect(403);

        expect(await storedUser(t, otherAdmin.id)).toMatchObject({
          email: 'admin2@example.com',
          is_active: true,
          roles: ['admin'],
        });
        await login(t, otherAdmin.username, otherAdmin.password);
      } finally {
        await api.delete(`/api/v1/users/${otherAdmin.id}`).set('Authorization', admin.bearer).expect(204);
      }
    });

    it('a user manager cannot change a user holding permissions it lacks (a job_manager)', async () => {
      const target = await newUser(t, { roles: ['job_manager'] });
      await api
        .patch(`/api/v1/users/${target.id}`)
        .set('Authorization', manager.bearer)
        .send({ is_active: false })
        .expect(403);
      await api.delete(`/api/v1/users/${target.id}`).set('Authorization', manager.bearer).expect(403);
      expect(await storedUser(t, target.id)).toMatchObject({ is_active: true, roles: ['job_manager'] });
    });

    it('a user manager can change, re-role and delete a user within its own permissions', async () => {
      const target = await newUser(t, { roles: [] });
      await api
        .patch(`/api/v1/users/${target.id}`)
        .set('Authorization', manager.bearer)
        .send({ email: 'managed@example.com' })
        .expect(200);
      const res = await api
        .put(`/api/v1/users/${target.id}/roles`)
        .set('Authorization', manager.bearer)
        .send({ roles: [managerRole] })
        .expect(200);
      expect((res.body as UserBody).roles).toEqual([managerRole]);
      await api.delete(`/api/v1/users/${target.id}`).set('Authorization', manager.bearer).expect(204);
      expect(await storedUser(t, target.id)).toBeNull();
    });

    it('a user manager cannot give itself roles with permissions it lacks', async () => {
      const res = await api
        .put(`/api/v1/users/${manager.id}/roles`)
        .set('Authorization', manager.bearer)
        .send({ roles: [managerRole, 'job_manager'] })
        .expect(403);
      expect(res.body).toMatchObject({ statusCode: 403 });
      await api
        .put(`/api/v1/users/${manager.id}/roles`)
        .set('Authorization', manager.bearer)
        .send({ roles: ['admin'] })
        .expect(403);
      expect((await storedUser(t, manager.id))?.roles).toEqual([managerRole]);
    });

    it('permission before validation: granting admin with a weak password is 403, not 400', async () => {
      const username = uniqueName();
      const res = await createUser({ username, password: 'short', roles: ['admin'] }, manager.bearer);
      expect(res.status).toBe(403);
      expect(await userCountByName(t, username)).toBe(0);
    });

    it('permission before validation: setting unknown roles on an admin is 403, not 400', async () => {
      const res = await api
        .put(`/api/v1/users/${admin.id}/roles`)
        .set('Authorization', manager.bearer)
        .send({ roles: ['no-such-role'] });
      expect(res.status).toBe(403);
      expect((await storedUser(t, admin.id))?.roles).toEqual(['admin']);
    });

    it('permission before existence: without user_manage a missing user is 403, not 404', async () => {
      const viewer = await newUser(t, { roles: ['viewer'] });
      await api.get(`/api/v1/users/${MISSING_ID}`).set('Authorization', viewer.bearer).expect(403);
      await api.delete(`/api/v1/users/${MISSING_ID}`).set('Authorization', viewer.bearer).expect(403);
    });

    it('a user without user_manage cannot change their own roles, nor list, create or change users', async () => {
      const viewer = await newUser(t, { roles: ['viewer'] });
      for (const roles of [['admin'], ['viewer', 'job_manager'], ['viewer'], []]) {
        const res = await api
          .put(`/api/v1/users/${viewer.id}/roles`)
          .set('Authorization', viewer.bearer)
          .send({ roles })
          .expect(403);
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      }
      await api.get('/api/v1/users').set('Authorization', viewer.bearer).expect(403);
      await api.get(`/api/v1/users/${viewer.id}`).set('Authorization', viewer.bearer).expect(403);
      await api
        .patch(`/api/v1/users/${viewer.id}`)
        .set('Authorization', viewer.bearer)
        .send({ email: 'self@example.com' })
        .expect(403);
      await createUser({ username: uniqueName(), password: strongPassword() }, viewer.bearer).expect(403);
      expect(await storedUser(t, viewer.id)).toMatchObject({ email: null, roles: ['viewer'] });
    });
  });

  /**
   * These need to know the admin set: every test of this file that makes another admin removes it
   * again, so the seeded admin (`admin`) is the only active one whenever a test starts.
   * (One app per file: a second Nest app in the same process takes over the process-wide passport
   * 'jwt' strategy, so the first app's tokens would be checked against the second app's database.)
   */
  describe('the last active admin', () => {
    const expectOnlyRootAdmin = async () => expect(await activeAdminIds(t)).toEqual([admin.id]);
    const expectLastAdminConflict = (res: { body: unknown }) =>
      expect(res.body).toEqual({ statusCode: 409, message: expect.stringMatching(/admin/i), error: 'Conflict' });

    it('cannot be deleted (409): the user stays', async () => {
      await expectOnlyRootAdmin();
      const res = await api.delete(`/api/v1/users/${admin.id}`).set('Authorization', admin.bearer).expect(409);
      expectLastAdminConflict(res);
      expect(await storedUser(t, admin.id)).toMatchObject({ is_active: true, roles: ['admin'] });
      await api.get('/api/v1/auth/me').set('Authorization', admin.bearer).expect(200);
    });

    it('cannot be disabled (409): stays active, its token keeps working', async () => {
      await expectOnlyRootAdmin();
      const res = await api
        .patch(`/api/v1/users/${admin.id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: false })
        .expect(409);
      expectLastAdminConflict(res);
      expect((await storedUser(t, admin.id))?.is_active).toBe(true);
      await api.get('/api/v1/auth/me').set('Authorization', admin.bearer).expect(200);
    });

    it('cannot be demoted by a roles list without admin (409): keeps the admin role', async () => {
      await expectOnlyRootAdmin();
      for (const roles of [['viewer'], ['job_manager', 'viewer'], []]) {
        const res = await api
          .put(`/api/v1/users/${admin.id}/roles`)
          .set('Authorization', admin.bearer)
          .send({ roles })
          .expect(409);
        expectLastAdminConflict(res);
      }
      expect((await storedUser(t, admin.id))?.roles).toEqual(['admin']);
      // keeping admin among other roles is no demotion
      const kept = await api
        .put(`/api/v1/users/${admin.id}/roles`)
        .set('Authorization', admin.bearer)
        .send({ roles: ['admin', 'viewer'] })
        .expect(200);
      expect((kept.body as UserBody).roles).toEqual(['admin', 'viewer']);
      await api
        .put(`/api/v1/users/${admin.id}/roles`)
        .set('Authorization', admin.bearer)
        .send({ roles: ['admin'] })
        .expect(200);
    });

    it('a disabled second admin does not count: the active one still cannot be removed', async () => {
      const second = await newUser(t, { roles: ['admin'] });
      await api
        .patch(`/api/v1/users/${second.id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: false })
        .expect(200);
      await expectOnlyRootAdmin();
      await api.delete(`/api/v1/users/${admin.id}`).set('Authorization', admin.bearer).expect(409);
      await api
        .patch(`/api/v1/users/${admin.id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: false })
        .expect(409);
      await api
        .put(`/api/v1/users/${admin.id}/roles`)
        .set('Authorization', admin.bearer)
        .send({ roles: ['viewer'] })
        .expect(409);
      // an inactive admin is not the last active admin: it may go
      await api.delete(`/api/v1/users/${second.id}`).set('Authorization', admin.bearer).expect(204);
      await expectOnlyRootAdmin();
    });

    it('with a second active admin, an admin can be disabled (and enabled again)', async () => {
      const second = await newUser(t, { roles: ['admin'] });
      const res = await api
        .patch(`/api/v1/users/${admin.id}`)
        .set('Authorization', second.bearer)
        .send({ is_active: false })
        .expect(200);
      expect((res.body as UserBody).is_active).toBe(false);
      expect(await activeAdminIds(t)).toEqual([second.id]);
      // and now `second` is the last one
      await api
        .patch(`/api/v1/users/${second.id}`)
        .set('Authorization', second.bearer)
        .send({ is_active: false })
        .expect(409);
      await api
        .patch(`/api/v1/users/${admin.id}`)
        .set('Authorization', second.bearer)
        .send({ is_active: true })
        .expect(200);
      admin = await loginAdmin(t);
      await api.delete(`/api/v1/users/${second.id}`).set('Authorization', admin.bearer).expect(204);
      await expectOnlyRootAdmin();
    });

    it('with a second active admin, an admin can be demoted', async () => {
      const second = await newUser(t, { roles: ['admin'] });
      const res = await api
        .put(`/api/v1/users/${second.id}/roles`)
        .set('Authorization', admin.bearer)
        .send({ roles: ['viewer'] })
        .expect(200);
      expect((res.body as UserBody).roles).toEqual(['viewer']);
      expect((await storedUser(t, second.id))?.roles).toEqual(['viewer']);
      await expectOnlyRootAdmin();
    });

    it('with a second active admin, an admin can demote itself', async () => {
      const second = await newUser(t, { roles: ['admin'] });
      await api
        .put(`/api/v1/users/${second.id}/roles`)
        .set('Authorization', second.bearer)
        .send({ roles: [] })
        .expect(200);
      await expectOnlyRootAdmin();
    });

    it('with a second active admin, an admin can be deleted', async () => {
      const second = await newUser(t, { roles: ['admin'] });
      await api.delete(`/api/v1/users/${second.id}`).set('Authorization', admin.bearer).expect(204);
      expect(await storedUser(t, second.id)).toBeNull();
      await expectOnlyRootAdmin();
    });
  });

  /** Two admins removing each other at once must not leave none. */
  describe('concurrent removal of the last two admins', () => {
    it('two admins disabling each other at once: exactly one 200 and one 409, one active admin left', async () => {
      const first = admin;
      const second = await newUser(t, { roles: ['admin'] });
      expect(await activeAdminIds(t)).toEqual([first.id, second.id].sort());

      // Hold back every write to `users` until both requests are in flight and past authentication, so
      // they really overlap (without this, the first may commit before the second's token is checked,
      // which would answer 401 instead of exercising the race).
      const blocker = new pg.Client({ connectionString: t.database.url });
      blocker.on('error', () => undefined);
      await blocker.connect();
      let responses: Response[];
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE users IN EXCLUSIVE MODE');
        const pending = Promise.all([
          api.patch(`/api/v1/users/${second.id}`).set('Authorization', first.bearer).send({ is_active: false }),
          api.patch(`/api/v1/users/${first.id}`).set('Authorization', second.bearer).send({ is_active: false }),
        ]);
        const deadline = Date.now() + 5_000;
        while (Date.now() < deadline) {
          const { rows } = await blocker.query<{ waiting: string }>(
            `SELECT count(*) AS waiting FROM pg_locks l JOIN pg_database d ON d.oid = l.database
              WHERE NOT l.granted AND d.datname = current_database()`,
          );
          if (Number(rows[0].waiting) >= 2) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await blocker.query('COMMIT');
        responses = await pending;
      } finally {
        await blocker.end();
      }

      expect(responses.map((res) => res.status).sort()).toEqual([200, 409]);
      const loser = responses.find((res) => res.status === 409)!;
      expect(loser.body).toEqual({ statusCode: 409, message: expect.stringMatching(/admin/i), error: 'Conflict' });

      const remaining = await activeAdminIds(t);
      expect(remaining).toHaveLength(1);
      const winner = responses[0].status === 200 ? first : second;
      const disabled = winner === first ? second : first;
      expect(remaining).toEqual([winner.id]);
      expect((await storedUser(t, disabled.id))?.is_active).toBe(false);
      await api.get('/api/v1/auth/me').set('Authorization', winner.bearer).expect(200);
      await api.get('/api/v1/auth/me').set('Authorization', disabled.bearer).expect(401);

      // back to the seeded admin alone, for the tests after this one
      await api
        .patch(`/api/v1/users/${disabled.id}`)
        .set('Authorization', winner.bearer)
        .send({ is_active: true })
        .expect(200);
      admin = await loginAdmin(t);
      await api.delete(`/api/v1/users/${second.id}`).set('Authorization', admin.bearer).expect(204);
      expect(await activeAdminIds(t)).toEqual([admin.id]);
    });
  });

  describe('no secrets leak', () => {
    it('no user response carries a password, a hash or a bcrypt string', async () => {
      // Fresh responses of every kind that returns users, on top of every response recorded above.
      const user = await newUser(t, { roles: ['viewer'] });
      await createUser({ username: uniqueName(), password: strongPassword() }).expect(201);
      await api.get('/api/v1/users').set('Authorization', admin.bearer).expect(200);
      await api.get(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(200);
      await api
        .patch(`/api/v1/users/${user.id}`)
        .set('Authorization', admin.bearer)
        .send({ password: strongPassword(), email: 'leak@example.com' })
        .expect(200);
      await api
        .put(`/api/v1/users/${user.id}/roles`)
        .set('Authorization', admin.bearer)
        .send({ roles: ['job_manager'] })
        .expect(200);
      await api.get('/api/v1/auth/me').set('Authorization', admin.bearer).expect(200);

      const userBodies = seen.filter(
        ({ body }) => typeof body === 'object' && body !== null && ('username' in body || 'users' in body),
      );
      expect(userBodies.length).toBeGreaterThan(30);
      for (const status of [200, 201]) expect(seen.some((entry) => entry.status === status)).toBe(true);

      const leaks: string[] = [];
      const walk = (value: unknown, where: string): void => {
        if (typeof value === 'string') {
          if (/\$2[abxy]\$\d{2}\$/.test(value)) leaks.push(`${where}: bcrypt-looking string`);
        } else if (Array.isArray(value)) {
          value.forEach((item, index) => walk(item, `${where}[${index}]`));
        } else if (typeof value === 'object' && value !== null) {
          for (const [key, item] of Object.entries(value)) {
            if (['password', 'password_hash', 'passwordhash', 'hash'].includes(key.toLowerCase())) {
              leaks.push(`${where}.${key}`);
            }
            walk(item, `${where}.${key}`);
          }
        }
      };
      for (const entry of seen) walk(entry.body, `${entry.request} (${entry.status})`);
      expect(leaks).toEqual([]);
      expect(seen.map((entry) => JSON.stringify(entry.body)).join('\n')).not.toContain('$2b$');
    });
  });
});
