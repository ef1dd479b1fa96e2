/**
 * Access matrix: every endpoint that exists today × every kind of caller → the HTTP status that
 * API.md promises. Mutating rows get a fresh target (or a fresh session / fresh user) per caller,
 * created by the admin in the row's `setup()`, so rows never interfere with each other; for the
 * callers that are refused, the target is real, so the 403 proves the permission check (not a 404).
 *
 * Then: the documented check order (401 → 403 → 404 → 400) and the read-only audit log.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { login, loginAdmin, newRole, newUser, strongPassword, uniqueName, type Actor } from './support/actors.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const CALLERS = ['anonymous', 'admin', 'job_manager', 'viewer', 'auditor', 'user_admin', 'no_role'] as const;
type Caller = (typeof CALLERS)[number];
type SignedIn = Exclude<Caller, 'anonymous'>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Custom roles created in beforeAll (besides the seeded admin, job_manager and viewer). */
const AUDITOR_PERMISSIONS = ['audit_view', 'view_all'];
const USER_ADMIN_PERMISSIONS = ['user_manage', 'job_view'];
/** A role within user_admin's permissions: user_admin may grant it (the matrix tests user_manage, not escalation). */
const JOB_READER = 'job_reader';

/** The roles each signed-in caller holds. `no_role` holds none at all. */
const CALLER_ROLES: Record<SignedIn, string[]> = {
  admin: ['admin'],
  job_manager: ['job_manager'],
  viewer: ['viewer'],
  auditor: ['auditor'],
  user_admin: ['user_admin'],
  no_role: [],
};

const INVALID_TOKEN = {
  statusCode: 401,
  message: 'Missing, invalid, expired or revoked access token',
  error: 'Unauthorized',
};

/** What a row's setup() prepared for one caller. */
interface Fixture {
  /** Id of the throwaway target (user or role). */
  id?: string;
  /** A user name or role name to create, or of the throwaway user. */
  name?: string;
  password?: string;
  /** Replaces the caller's shared token (a fresh session, or a fresh user holding the caller's roles). */
  bearer?: string;
}

interface Context {
  caller: Caller;
  /** The caller's roles; null for anonymous. */
  roles: string[] | null;
}

interface Row {
  method: Method;
  /** The route as documented, used in the test names. */
  route: string;
  path: (f: Fixture) => string;
  body?: (f: Fixture) => object;
  setup?: (ctx: Context) => Promise<Fixture>;
  status: Record<Caller, number>;
  /** Checks the side effect: done when allowed, not done when refused. */
  after?: (f: Fixture, res: Response, allowed: boolean) => Promise<void> | void;
}

// ---------- state and helpers (module scope, so the matrix below reads as a table) ----------

let t: TestApp;
let admin: Actor;
/** Every signed-in caller's shared session (created in beforeAll). */
const actors = {} as Record<SignedIn, Actor>;

const send = (method: Method, path: string, bearer?: string, body?: object) => {
  const agent = t.http();
  const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let req = agent[verb](path);
  if (bearer !== undefined) req = req.set('Authorization', bearer);
  return body === undefined ? req : req.send(body);
};

const asAdmin = (method: Method, path: string, body?: object) => send(method, path, admin.bearer, body);

/** A user created by the admin (not logged in); no roles unless given. */
async function throwawayUser(roles: string[] = []): Promise<Fixture> {
  const name = uniqueName('target');
  const password = strongPassword();
  const res = await asAdmin('POST', '/api/v1/users', { username: name, password, roles });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: (res.body as { id: string }).id, name, password };
}

/** A role created by the admin, within every caller's reach ([job_view]). */
async function throwawayRole(): Promise<Fixture> {
  const name = uniqueName('tmp-role');
  return { id: await newRole(t, name, ['job_view']), name };
}

/** A new session of the caller's own user (for logout, which revokes the token it is called with). */
async function freshSession({ caller }: Context): Promise<Fixture> {
  if (caller === 'anonymous') return {};
  const actor =
    caller === 'admin' ? await loginAdmin(t) : await login(t, actors[caller].username, actors[caller].password);
  return { bearer: actor.bearer };
}

/** A new user holding the caller's roles (for a password change, which revokes every token of its user). */
async function freshUserLike({ roles }: Context): Promise<Fixture> {
  if (roles === null) return { password: strongPassword() };
  const actor = await newUser(t, { roles });
  return { id: actor.id, name: actor.username, password: actor.password, bearer: actor.bearer };
}

const getUser = (id: string) => asAdmin('GET', `/api/v1/users/${id}`);
const allRoles = async () =>
  (await asAdmin('GET', '/api/v1/roles?limit=1000').expect(200)).body.roles as Array<{
    id: string;
    name: string;
    description: string;
  }>;

function expectErrorBody(res: Response, statusCode: number, error: string): void {
  expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.body).toMatchObject({ statusCode, error });
  const message: unknown = res.body.message;
  expect(typeof message === 'string' || (Array.isArray(message) && message.every((m) => typeof m === 'string'))).toBe(
    true,
  );
}

function expectStatus(res: Response, status: number): void {
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  if (status === 401) expect(res.body).toEqual(INVALID_TOKEN);
  if (status === 403) expectErrorBody(res, 403, 'Forbidden');
  if (status === 404) expectErrorBody(res, 404, 'Not Found');
  if (status === 400) expectErrorBody(res, 400, 'Bad Request');
}

// ---------- the matrix ----------

const MATRIX: Row[] = [
  // Auth
  {
    method: 'POST',
    route: '/api/v1/auth/login',
    path: () => '/api/v1/auth/login',
    setup: () => throwawayUser(),
    body: (f) => ({ username: f.name, password: f.password }),
    status: { anonymous: 200, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200 },
    after: (_f, res) => {
      expect(res.body).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/auth/logout',
    path: () => '/api/v1/auth/logout',
    setup: freshSession,
    status: { anonymous: 401, admin: 204, job_manager: 204, viewer: 204, auditor: 204, user_admin: 204, no_role: 204 },
    after: async (f, _res, allowed) => {
      if (allowed) await send('GET', '/api/v1/auth/me', f.bearer).expect(401);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/auth/me',
    path: () => '/api/v1/auth/me',
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200 },
  },
  {
    method: 'PUT',
    route: '/api/v1/auth/me/password',
    path: () => '/api/v1/auth/me/password',
    setup: freshUserLike,
    body: (f) => ({ current_password: f.password, new_password: `new-${strongPassword()}` }),
    status: { anonymous: 401, admin: 204, job_manager: 204, viewer: 204, auditor: 204, user_admin: 204, no_role: 204 },
    after: async (f, _res, allowed) => {
      // The change revokes the tokens issued before it.
      if (allowed) await send('GET', '/api/v1/auth/me', f.bearer).expect(401);
    },
  },

  // Users (user_manage)
  {
    method: 'GET',
    route: '/api/v1/users',
    path: () => '/api/v1/users',
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ users: expect.any(Array), total: expect.any(Number) });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/users',
    path: () => '/api/v1/users',
    setup: () => Promise.resolve({ name: uniqueName('new'), password: strongPassword() }),
    // roles: [] — within anyone's permissions, so only user_manage decides.
    body: (f) => ({ username: f.name, password: f.password, roles: [] }),
    status: { anonymous: 401, admin: 201, job_manager: 403, viewer: 403, auditor: 403, user_admin: 201, no_role: 403 },
    after: async (f, res, allowed) => {
      const list = await asAdmin('GET', '/api/v1/users?limit=1000').expect(200);
      const names = (list.body.users as Array<{ username: string }>).map((u) => u.username);
      expect(names.includes(f.name!)).toBe(allowed);
      if (allowed) expect(res.body).toMatchObject({ id: expect.any(String), username: f.name, roles: [] });
    },
  },
  {
    method: 'GET',
    route: '/api/v1/users/:id',
    path: (f) => `/api/v1/users/${f.id}`,
    setup: () => throwawayUser(),
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403 },
    after: (f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ id: f.id, username: f.name });
    },
  },
  {
    method: 'PATCH',
    route: '/api/v1/users/:id',
    path: (f) => `/api/v1/users/${f.id}`,
    // A target without roles: user_admin holds everything it holds.
    setup: () => throwawayUser(),
    body: () => ({ email: 'patched@example.com' }),
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403 },
    after: async (f, _res, allowed) => {
      const user = await getUser(f.id!).expect(200);
      expect(user.body.email).toBe(allowed ? 'patched@example.com' : null);
    },
  },
  {
    method: 'DELETE',
    route: '/api/v1/users/:id',
    path: (f) => `/api/v1/users/${f.id}`,
    setup: () => throwawayUser(),
    status: { anonymous: 401, admin: 204, job_manager: 403, viewer: 403, auditor: 403, user_admin: 204, no_role: 403 },
    after: async (f, _res, allowed) => {
      await getUser(f.id!).expect(allowed ? 404 : 200);
    },
  },
  {
    method: 'PUT',
    route: '/api/v1/users/:id/roles',
    path: (f) => `/api/v1/users/${f.id}/roles`,
    setup: () => throwawayUser(),
    // job_reader = [job_view], within user_admin's own permissions.
    body: () => ({ roles: [JOB_READER] }),
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403 },
    after: async (f, _res, allowed) => {
      const user = await getUser(f.id!).expect(200);
      expect(user.body.roles).toEqual(allowed ? [JOB_READER] : []);
    },
  },

  // Roles and permissions
  {
    method: 'GET',
    route: '/api/v1/roles',
    path: () => '/api/v1/roles',
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ roles: expect.any(Array), total: expect.any(Number) });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/roles',
    path: () => '/api/v1/roles',
    setup: () => Promise.resolve({ name: uniqueName('new-role') }),
    body: (f) => ({ name: f.name, permissions: ['job_view'] }),
    status: { anonymous: 401, admin: 201, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403 },
    after: async (f, _res, allowed) => {
      expect((await allRoles()).some((role) => role.name === f.name)).toBe(allowed);
    },
  },
  {
    method: 'PATCH',
    route: '/api/v1/roles/:id',
    path: (f) => `/api/v1/roles/${f.id}`,
    setup: throwawayRole,
    body: () => ({ description: 'patched' }),
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403 },
    after: async (f, _res, allowed) => {
      const role = (await allRoles()).find((r) => r.id === f.id);
      expect(role?.description).toBe(allowed ? 'patched' : '');
    },
  },
  {
    method: 'DELETE',
    route: '/api/v1/roles/:id',
    path: (f) => `/api/v1/roles/${f.id}`,
    setup: throwawayRole,
    status: { anonymous: 401, admin: 204, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403 },
    after: async (f, _res, allowed) => {
      expect((await allRoles()).some((role) => role.id === f.id)).toBe(!allowed);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/permissions',
    path: () => '/api/v1/permissions',
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body.permissions).toContainEqual({ name: 'audit_view', description: expect.any(String) });
    },
  },

  // Audit logs (audit_view)
  {
    method: 'GET',
    route: '/api/v1/logs',
    path: () => '/api/v1/logs',
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 403, no_role: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ logs: expect.any(Array), total: expect.any(Number) });
    },
  },

  // Health (public)
  {
    method: 'GET',
    route: '/health',
    path: () => '/health',
    status: { anonymous: 200, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200 },
  },
];

describe('access matrix', () => {
  // ---------- lifecycle ----------

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t);
    await newRole(t, 'auditor', AUDITOR_PERMISSIONS);
    await newRole(t, 'user_admin', USER_ADMIN_PERMISSIONS);
    await newRole(t, JOB_READER, ['job_view']);
    actors.admin = admin;
    for (const caller of ['job_manager', 'viewer', 'auditor', 'user_admin', 'no_role'] as const) {
      actors[caller] = await newUser(t, { roles: CALLER_ROLES[caller] });
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  it('has the callers it claims: roles and effective permissions as /auth/me reports them', async () => {
    const expected: Record<SignedIn, { roles: string[]; permissions: string[] }> = {
      admin: { roles: ['admin'], permissions: expect.arrayContaining(['user_manage', 'role_manage', 'audit_view']) },
      job_manager: {
        roles: ['job_manager'],
        permissions: expect.arrayContaining(['job_create', 'audit_view']),
      },
      viewer: { roles: ['viewer'], permissions: expect.arrayContaining(['job_view', 'execution_view', 'audit_view']) },
      auditor: { roles: ['auditor'], permissions: expect.arrayContaining(AUDITOR_PERMISSIONS) },
      user_admin: { roles: ['user_admin'], permissions: expect.arrayContaining(USER_ADMIN_PERMISSIONS) },
      no_role: { roles: [], permissions: [] },
    };
    for (const caller of Object.keys(expected) as SignedIn[]) {
      const me = await send('GET', '/api/v1/auth/me', actors[caller].bearer).expect(200);
      expect({ caller, roles: me.body.roles, permissions: me.body.permissions }).toEqual({
        caller,
        ...expected[caller],
      });
    }
    const lacking = (caller: SignedIn, permission: string) =>
      send('GET', '/api/v1/auth/me', actors[caller].bearer).then((res) => {
        expect(res.body.permissions).not.toContain(permission);
      });
    await lacking('job_manager', 'user_manage');
    await lacking('viewer', 'user_manage');
    await lacking('auditor', 'user_manage');
    await lacking('user_admin', 'role_manage');
    await lacking('user_admin', 'audit_view');
  });

  describe.each(MATRIX.map((row) => [`${row.method} ${row.route}`, row] as const))('%s', (_name, row) => {
    for (const caller of CALLERS) {
      const status = row.status[caller];
      it(`${row.method} ${row.route} as ${caller} → ${status}`, async () => {
        const ctx: Context = { caller, roles: caller === 'anonymous' ? null : CALLER_ROLES[caller] };
        const fixture = row.setup ? await row.setup(ctx) : {};
        const bearer = caller === 'anonymous' ? undefined : (fixture.bearer ?? actors[caller].bearer);
        const res = await send(row.method, row.path(fixture), bearer, row.body?.(fixture));
        expectStatus(res, status);
        if (row.after) await row.after(fixture, res, status >= 200 && status < 300);
      });
    }
  });

  // ---------- check order: 401, then 403, then 404, then 400 ----------

  describe('check order: authentication (401), permission (403), existence (404), validation (400)', () => {
    const NONEXISTENT = randomUUID();

    interface OrderRow {
      name: string;
      caller: Caller;
      method: Method;
      path: (f: Fixture) => string;
      body?: object;
      setup?: () => Promise<Fixture>;
      status: number;
      /** The 400 names this field. */
      field?: string;
    }

    const ORDER: OrderRow[] = [
      // users
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as anonymous',
        caller: 'anonymous',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 401,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as viewer',
        caller: 'viewer',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 403,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as no_role',
        caller: 'no_role',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 403,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/<existing> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        setup: () => throwawayUser(),
        path: (f) => `/api/v1/users/${f.id}`,
        body: { email: 'not-an-email' },
        status: 400,
        field: 'email',
      },
      {
        name: 'PATCH /api/v1/users/<existing> with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'PATCH',
        setup: () => throwawayUser(),
        path: (f) => `/api/v1/users/${f.id}`,
        body: { is_active: 'yes' },
        status: 400,
        field: 'is_active',
      },
      {
        name: 'PUT /api/v1/users/<nonexistent uuid>/roles with an invalid body as job_manager',
        caller: 'job_manager',
        method: 'PUT',
        path: () => `/api/v1/users/${NONEXISTENT}/roles`,
        body: { roles: 'admin' },
        status: 403,
      },
      {
        name: 'PUT /api/v1/users/<nonexistent uuid>/roles with an invalid body as admin',
        caller: 'admin',
        method: 'PUT',
        path: () => `/api/v1/users/${NONEXISTENT}/roles`,
        body: { roles: 'admin' },
        status: 404,
      },
      {
        name: 'PUT /api/v1/users/<existing>/roles with an invalid body as admin',
        caller: 'admin',
        method: 'PUT',
        setup: () => throwawayUser(),
        path: (f) => `/api/v1/users/${f.id}/roles`,
        body: { roles: 'admin' },
        status: 400,
        field: 'roles',
      },
      {
        name: 'DELETE /api/v1/users/<nonexistent uuid> as auditor',
        caller: 'auditor',
        method: 'DELETE',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'DELETE /api/v1/users/<nonexistent uuid> as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        status: 404,
      },
      // malformed ids are simply ids that do not exist
      {
        name: 'GET /api/v1/users/not-a-uuid as admin',
        caller: 'admin',
        method: 'GET',
        path: () => '/api/v1/users/not-a-uuid',
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/not-a-uuid as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => '/api/v1/users/not-a-uuid',
        body: { email: 'ok@example.com' },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/not-a-uuid with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => '/api/v1/users/not-a-uuid',
        body: { email: 'not-an-email' },
        status: 404,
      },
      {
        name: 'DELETE /api/v1/users/not-a-uuid as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => '/api/v1/users/not-a-uuid',
        status: 404,
      },
      {
        name: 'PUT /api/v1/users/not-a-uuid/roles as admin',
        caller: 'admin',
        method: 'PUT',
        path: () => '/api/v1/users/not-a-uuid/roles',
        body: { roles: [] },
        status: 404,
      },
      {
        name: 'GET /api/v1/users/not-a-uuid as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => '/api/v1/users/not-a-uuid',
        status: 403,
      },
      // roles
      {
        name: 'PATCH /api/v1/roles/<nonexistent uuid> with an invalid body as anonymous',
        caller: 'anonymous',
        method: 'PATCH',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        body: { permissions: ['no_such_permission'] },
        status: 401,
      },
      {
        name: 'PATCH /api/v1/roles/<nonexistent uuid> with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'PATCH',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        body: { permissions: ['no_such_permission'] },
        status: 403,
      },
      {
        name: 'PATCH /api/v1/roles/<nonexistent uuid> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        body: { permissions: ['no_such_permission'] },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/roles/<existing> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        setup: throwawayRole,
        path: (f) => `/api/v1/roles/${f.id}`,
        body: { permissions: ['no_such_permission'] },
        status: 400,
        field: 'permissions',
      },
      {
        name: 'PATCH /api/v1/roles/not-a-uuid as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => '/api/v1/roles/not-a-uuid',
        body: { description: 'x' },
        status: 404,
      },
      {
        name: 'DELETE /api/v1/roles/<nonexistent uuid> as viewer',
        caller: 'viewer',
        method: 'DELETE',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'DELETE /api/v1/roles/<nonexistent uuid> as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        status: 404,
      },
      {
        name: 'DELETE /api/v1/roles/not-a-uuid as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => '/api/v1/roles/not-a-uuid',
        status: 404,
      },
      // collection routes: permission before validation
      {
        name: 'POST /api/v1/users with an invalid body as viewer',
        caller: 'viewer',
        method: 'POST',
        path: () => '/api/v1/users',
        body: { username: '!', password: 1 },
        status: 403,
      },
      {
        name: 'POST /api/v1/roles with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'POST',
        path: () => '/api/v1/roles',
        body: { name: 'Bad Name', permissions: ['no_such_permission'] },
        status: 403,
      },
      {
        name: 'GET /api/v1/logs with an invalid query as user_admin',
        caller: 'user_admin',
        method: 'GET',
        path: () => '/api/v1/logs?limit=5000&event=no_such_event',
        status: 403,
      },
      {
        name: 'GET /api/v1/logs with an invalid query as anonymous',
        caller: 'anonymous',
        method: 'GET',
        path: () => '/api/v1/logs?limit=5000',
        status: 401,
      },
      {
        name: 'GET /api/v1/logs with an invalid query as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => '/api/v1/logs?limit=5000',
        status: 400,
        field: 'limit',
      },
    ];

    it.each(ORDER.map((row) => [row.name, row.status, row] as const))('%s → %i', async (_name, status, row) => {
      const fixture = row.setup ? await row.setup() : {};
      const bearer = row.caller === 'anonymous' ? undefined : actors[row.caller].bearer;
      const res = await send(row.method, row.path(fixture), bearer, row.body);
      expectStatus(res, status);
      if (row.field) expect(JSON.stringify(res.body.message)).toContain(row.field);
    });
  });

  // ---------- audit logs are read-only ----------

  describe('audit logs cannot be changed or deleted through the API', () => {
    let entry: { id: string; event: string; description: string };

    const roleCreatedEntries = async () =>
      (await asAdmin('GET', '/api/v1/logs?event=role_created&limit=1000').expect(200)).body.logs as Array<{
        id: string;
        event: string;
        description: string;
      }>;

    beforeAll(async () => {
      entry = (await roleCreatedEntries()).find((log) => log.description.includes('auditor'))!;
    });

    it('has an entry to try it on (role_created for auditor)', () => {
      expect(entry).toMatchObject({ id: expect.any(String), event: 'role_created' });
    });

    const ATTEMPTS: Array<[Method, string]> = [
      ['POST', '/api/v1/logs'],
      ['PUT', '/api/v1/logs'],
      ['PATCH', '/api/v1/logs'],
      ['DELETE', '/api/v1/logs'],
      ['PUT', '/api/v1/logs/:id'],
      ['PATCH', '/api/v1/logs/:id'],
      ['DELETE', '/api/v1/logs/:id'],
    ];

    it.each(ATTEMPTS)('%s %s as admin → 404', async (method, route) => {
      const path = route.replace(':id', entry.id);
      const body = method === 'DELETE' ? undefined : { id: entry.id, event: 'deleted', description: 'tampered' };
      const res = await send(method, path, admin.bearer, body);
      expectStatus(res, 404);
    });

    it('leaves the entry as it was', async () => {
      expect((await roleCreatedEntries()).find((log) => log.id === entry.id)).toEqual(entry);
    });
  });
});
