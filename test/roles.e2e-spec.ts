import pg from 'pg';
import { PERMISSION_DESCRIPTIONS, PERMISSIONS, SEEDED_ROLES } from '../src/access/permissions.js';
import { loginAdmin, newRole, newUser, strongPassword, uniqueName, type Actor } from './support/actors.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The role object of API.md ("Details that clients rely on"), and nothing else. */
const ROLE_KEYS = ['created_time', 'description', 'id', 'name', 'permissions'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ROLE_NOT_FOUND = { statusCode: 404, message: 'Role not found', error: 'Not Found' };
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** Written out from API.md, in its (catalogue) order, independently of src/. */
const API_PERMISSIONS = [
  'job_create',
  'job_delete',
  'job_modify',
  'job_pause',
  'job_resume',
  'job_run',
  'job_view',
  'execution_view',
  'audit_view',
  'user_manage',
  'role_manage',
  'code_execute',
  'view_all',
];
const API_SEEDED_ROLES: Record<string, string[]> = {
  admin: API_PERMISSIONS,
  job_manager: [
    'job_create',
    'job_delete',
    'job_modify',
    'job_pause',
    'job_resume',
    'job_run',
    'job_view',
    'execution_view',
    'audit_view',
  ],
  viewer: ['job_view', 'execution_view', 'audit_view'],
};

interface RoleBody {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  created_time: string;
}

interface RoleListBody {
  roles: RoleBody[];
  total: number;
}

interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
}

const messagesOf = (body: unknown): string => {
  const { message } = body as ErrorBody;
  return Array.isArray(message) ? message.join(' | ') : message;
};

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

/** The role as stored (name, description, permission names sorted), or null when there is no row. */
async function storedRole(
  t: TestApp,
  where: { id: string } | { name: string },
): Promise<{ id: string; name: string; description: string; permissions: string[] } | null> {
  const [column, value] = 'id' in where ? ['id', where.id] : ['name', where.name];
  const rows = await sql<{ id: string; name: string; description: string; permissions: string[] }>(
    t,
    `SELECT r.id, r.name, r.description,
            ARRAY(SELECT rp.permission_name FROM role_permissions rp WHERE rp.role_id = r.id
                   ORDER BY rp.permission_name) AS permissions
       FROM roles r WHERE r.${column} = $1`,
    [value],
  );
  return rows[0] ?? null;
}

const sorted = (names: readonly string[]): string[] => [...names].sort();

describe('roles and permissions', () => {
  let t: TestApp;
  let admin: Actor;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const listRoles = async (bearer: string = admin.bearer): Promise<RoleListBody> =>
    (await t.http().get('/api/v1/roles?limit=1000').set('Authorization', bearer).expect(200)).body as RoleListBody;
  const createRole = (body: object, bearer: string = admin.bearer) =>
    t.http().post('/api/v1/roles').set('Authorization', bearer).send(body);
  const patchRole = (id: string, body: object, bearer: string = admin.bearer) =>
    t.http().patch(`/api/v1/roles/${id}`).set('Authorization', bearer).send(body);
  const deleteRole = (id: string, bearer: string = admin.bearer) =>
    t.http().delete(`/api/v1/roles/${id}`).set('Authorization', bearer);
  const seededRole = async (name: string): Promise<RoleBody> => {
    const role = (await listRoles()).roles.find((r) => r.name === name);
    if (!role) throw new Error(`role ${name} is not listed`);
    return role;
  };

  describe('GET /api/v1/roles', () => {
    it('lists {roles, total} with the seeded roles holding exactly the permissions of API.md', async () => {
      const res = await t.http().get('/api/v1/roles').set('Authorization', admin.bearer).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['roles', 'total']);
      const body = res.body as RoleListBody;
      const [{ count }] = await sql<{ count: string }>(t, 'SELECT count(*) AS count FROM roles');
      expect(body.total).toBe(Number(count));
      expect(body.roles).toHaveLength(body.total);
      for (const role of body.roles) {
        expect(Object.keys(role).sort()).toEqual(ROLE_KEYS);
        expect(role.id).toMatch(UUID);
        expect(role.created_time).toMatch(ISO_UTC);
      }

      for (const [name, permissions] of Object.entries(API_SEEDED_ROLES)) {
        const role = body.roles.find((r) => r.name === name);
        expect(role).toBeDefined();
        // exactly these, in catalogue order
        expect(role?.permissions).toEqual(permissions);
        // the single source of truth in src/ says the same
        expect(role?.permissions).toEqual([...SEEDED_ROLES[name].permissions]);
        expect(role?.description).toBe(SEEDED_ROLES[name].description);
        // and so does the database
        expect((await storedRole(t, { name }))?.permissions).toEqual(sorted(permissions));
      }
      expect(sorted(Object.keys(SEEDED_ROLES))).toEqual(sorted(Object.keys(API_SEEDED_ROLES)));
      expect([...PERMISSIONS]).toEqual(API_PERMISSIONS);
    });

    it('pages with limit and offset; limit=1001 is 400 naming limit', async () => {
      const all = await listRoles();
      const page = (await t.http().get('/api/v1/roles?limit=1&offset=1').set('Authorization', admin.bearer).expect(200))
        .body as RoleListBody;
      expect(page.total).toBe(all.total);
      expect(page.roles.map((role) => role.id)).toEqual([all.roles[1].id]);
      const res = await t.http().get('/api/v1/roles?limit=1001').set('Authorization', admin.bearer).expect(400);
      expect(messagesOf(res.body)).toContain('limit');
    });

    it('needs role_manage or user_manage (403 otherwise, 401 without a token)', async () => {
      const roleManager = await newUser(t, { roles: [await customRoleWith(['role_manage'])] });
      const userManager = await newUser(t, { roles: [await customRoleWith(['user_manage'])] });
      const viewer = await newUser(t, { roles: ['viewer'] });
      for (const path of ['/api/v1/roles', '/api/v1/permissions']) {
        await t.http().get(path).set('Authorization', roleManager.bearer).expect(200);
        await t.http().get(path).set('Authorization', userManager.bearer).expect(200);
        const res = await t.http().get(path).set('Authorization', viewer.bearer).expect(403);
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        await t.http().get(path).expect(401);
      }
    });
  });

  /** A new custom role holding exactly `permissions`; returns its name. */
  async function customRoleWith(permissions: string[]): Promise<string> {
    const name = uniqueName('r');
    await newRole(t, name, permissions);
    return name;
  }

  describe('GET /api/v1/roles/defaults', () => {
    it('names the built-in admin role and the configured default role', async () => {
      const res = await t.http().get('/api/v1/roles/defaults').set('Authorization', admin.bearer).expect(200);
      expect(res.body).toEqual({ admin_role: 'admin', default_role: 'viewer' });
    });
  });

  describe('GET /api/v1/permissions', () => {
    it('lists the 13 permissions with descriptions, in catalogue order', async () => {
      const res = await t.http().get('/api/v1/permissions').set('Authorization', admin.bearer).expect(200);
      expect(Object.keys(res.body)).toEqual(['permissions']);
      const permissions = (res.body as { permissions: Array<{ name: string; description: string }> }).permissions;
      expect(permissions.map((permission) => permission.name)).toEqual(API_PERMISSIONS);
      for (const permission of permissions) {
        expect(Object.keys(permission).sort()).toEqual(['description', 'name']);
        expect(permission.description).toBe(
          PERMISSION_DESCRIPTIONS[permission.name as keyof typeof PERMISSION_DESCRIPTIONS],
        );
        expect(permission.description.length).toBeGreaterThan(0);
      }
    });
  });

  describe('POST /api/v1/roles', () => {
    it('creates a role: 201 with exactly the documented fields, permissions in catalogue order', async () => {
      const name = uniqueName('auditor');
      const res = await createRole({
        name,
        description: 'Reads audit logs of everyone',
        permissions: ['view_all', 'audit_view', 'job_view'],
      }).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(ROLE_KEYS);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        name,
        description: 'Reads audit logs of everyone',
        permissions: ['job_view', 'audit_view', 'view_all'],
        created_time: expect.stringMatching(ISO_UTC),
      });
      expect(await storedRole(t, { id: (res.body as RoleBody).id })).toEqual({
        id: (res.body as RoleBody).id,
        name,
        description: 'Reads audit logs of everyone',
        permissions: ['audit_view', 'job_view', 'view_all'],
      });
      expect((await listRoles()).roles.find((role) => role.name === name)).toEqual(res.body);
    });

    it('takes no description (empty) and no permissions', async () => {
      const name = uniqueName('empty');
      const res = await createRole({ name, permissions: [] }).expect(201);
      expect(res.body).toMatchObject({ name, description: '', permissions: [] });
      expect((await storedRole(t, { name }))?.permissions).toEqual([]);
    });

    it('refuses an unknown permission name with 400 naming permissions, creating nothing', async () => {
      const name = uniqueName('bad');
      const res = await createRole({ name, permissions: ['job_view', 'launch_missiles'] }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(messagesOf(res.body)).toContain('permissions');
      expect(await storedRole(t, { name })).toBeNull();
    });

    it('refuses missing, duplicated or non-list permissions with 400 naming permissions', async () => {
      const name = uniqueName('bad');
      for (const body of [
        { name },
        { name, permissions: 'job_view' },
        { name, permissions: ['job_view', 'job_view'] },
        { name, permissions: [7] },
      ]) {
        const res = await createRole(body).expect(400);
        expect(messagesOf(res.body)).toContain('permissions');
      }
      expect(await storedRole(t, { name })).toBeNull();
    });

    it('refuses a taken name with 409: a seeded one and a custom one', async () => {
      const name = uniqueName('dup');
      await createRole({ name, permissions: ['job_view'] }).expect(201);
      const res = await createRole({ name, permissions: ['audit_view'] }).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      for (const seeded of ['admin', 'viewer', 'job_manager']) {
        await createRole({ name: seeded, permissions: [] }).expect(409);
      }
      expect((await storedRole(t, { name }))?.permissions).toEqual(['job_view']);
    });

    it('answers one 201 and one 409 to two concurrent creations of the same name', async () => {
      const name = uniqueName('race');
      const results = await Promise.all([
        createRole({ name, permissions: ['job_view'] }),
        createRole({ name, permissions: ['audit_view'] }),
      ]);
      expect(results.map((res) => res.status).sort()).toEqual([201, 409]);
      const [{ count }] = await sql<{ count: string }>(t, 'SELECT count(*) AS count FROM roles WHERE name = $1', [
        name,
      ]);
      expect(Number(count)).toBe(1);
    });

    it.each([
      ['empty', ''],
      ['one character', 'x'],
      ['upper case', 'Auditor'],
      ['with a space', 'night shift'],
      ['starting with a digit', '1st-line'],
      ['starting with a dash', '-ops'],
      ['over 64 characters', `r${'o'.repeat(64)}`],
      ['not a string', 42],
    ])('refuses an invalid name (%s) with 400 naming name', async (_case, name) => {
      const res = await createRole({ name, permissions: ['job_view'] }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(messagesOf(res.body)).toMatch(/\bname\b/);
    });

    it('refuses a description over 500 characters with 400 naming description', async () => {
      const name = uniqueName('long');
      const res = await createRole({ name, description: 'd'.repeat(501), permissions: [] }).expect(400);
      expect(messagesOf(res.body)).toContain('description');
      expect(await storedRole(t, { name })).toBeNull();
      await createRole({ name, description: 'd'.repeat(500), permissions: [] }).expect(201);
    });

    it('needs role_manage: user_manage alone is 403', async () => {
      const userManager = await newUser(t, { roles: [await customRoleWith(['user_manage', 'job_view'])] });
      const name = uniqueName('nope');
      await createRole({ name, permissions: [] }, userManager.bearer).expect(403);
      expect(await storedRole(t, { name })).toBeNull();
    });
  });

  describe('PATCH /api/v1/roles/:id', () => {
    it('renames, re-describes and replaces the permissions', async () => {
      const name = uniqueName('ops');
      const id = await newRole(t, name, ['job_view']);
      const renamed = uniqueName('ops');
      const res = await patchRole(id, { name: renamed }).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(ROLE_KEYS);
      expect(res.body).toMatchObject({ id, name: renamed, permissions: ['job_view'] });

      const described = await patchRole(id, { description: 'Night shift operators' }).expect(200);
      expect(described.body).toMatchObject({ id, name: renamed, description: 'Night shift operators' });

      const permitted = await patchRole(id, { permissions: ['job_run', 'execution_view', 'job_view'] }).expect(200);
      expect((permitted.body as RoleBody).permissions).toEqual(['job_run', 'job_view', 'execution_view']);

      expect(await storedRole(t, { id })).toEqual({
        id,
        name: renamed,
        description: 'Night shift operators',
        permissions: ['execution_view', 'job_run', 'job_view'],
      });
      expect(await storedRole(t, { name })).toBeNull();

      const unchanged = await patchRole(id, {}).expect(200);
      expect(unchanged.body).toEqual(permitted.body);

      const emptied = await patchRole(id, { permissions: [] }).expect(200);
      expect((emptied.body as RoleBody).permissions).toEqual([]);
      expect((await storedRole(t, { id }))?.permissions).toEqual([]);
    });

    it('refuses a taken name (409), an invalid name or an unknown permission (400), changing nothing', async () => {
      const name = uniqueName('keep');
      const id = await newRole(t, name, ['job_view']);
      const other = uniqueName('other');
      await newRole(t, other, []);
      expect((await patchRole(id, { name: other }).expect(409)).body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
      });
      await patchRole(id, { name: 'viewer' }).expect(409);
      expect(messagesOf((await patchRole(id, { name: 'Not Valid' }).expect(400)).body)).toMatch(/\bname\b/);
      expect(messagesOf((await patchRole(id, { permissions: ['job_view', 'nuke'] }).expect(400)).body)).toContain(
        'permissions',
      );
      expect(await storedRole(t, { id })).toEqual({ id, name, description: '', permissions: ['job_view'] });
    });

    it.each([
      ['a missing id', MISSING_ID],
      ['a malformed id', 'not-a-uuid'],
    ])('answers 404 to PATCH and DELETE of %s', async (_case, id) => {
      expect((await patchRole(id, { description: 'x' }).expect(404)).body).toEqual(ROLE_NOT_FOUND);
      expect((await deleteRole(id).expect(404)).body).toEqual(ROLE_NOT_FOUND);
    });

    it('a holder of the role gains and loses a permission at once, with the same token', async () => {
      const name = uniqueName('live');
      const id = await newRole(t, name, ['job_view']);
      const user = await newUser(t, { roles: [name] });
      const logs = () => t.http().get('/api/v1/logs').set('Authorization', user.bearer);

      expect((await logs().expect(403)).body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      await patchRole(id, { permissions: ['job_view', 'audit_view'] }).expect(200);
      const allowed = await logs().expect(200);
      expect(allowed.body).toMatchObject({ logs: expect.any(Array), total: expect.any(Number) });
      const me = await t.http().get('/api/v1/auth/me').set('Authorization', user.bearer).expect(200);
      expect((me.body as { permissions: string[] }).permissions).toEqual(['job_view', 'audit_view']);

      await patchRole(id, { permissions: ['job_view'] }).expect(200);
      await logs().expect(403);
    });
  });

  describe('the admin role', () => {
    it('cannot be renamed or have its permissions changed (409); its description can change (200)', async () => {
      const role = await seededRole('admin');
      for (const body of [
        { name: 'superuser' },
        { permissions: API_PERMISSIONS.filter((name) => name !== 'view_all') },
        { permissions: [] },
        { name: 'root', description: 'renamed' },
      ]) {
        const res = await patchRole(role.id, body).expect(409);
        expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      }
      expect(await storedRole(t, { id: role.id })).toEqual({
        id: role.id,
        name: 'admin',
        description: SEEDED_ROLES.admin.description,
        permissions: sorted(API_PERMISSIONS),
      });

      const described = await patchRole(role.id, { description: 'The operators of this instance' }).expect(200);
      expect(described.body).toEqual({ ...role, description: 'The operators of this instance' });
      expect((await storedRole(t, { id: role.id }))?.description).toBe('The operators of this instance');
      await patchRole(role.id, { description: SEEDED_ROLES.admin.description }).expect(200);
    });

    it('cannot be deleted (409): it stays, and so do its holders', async () => {
      const role = await seededRole('admin');
      const res = await deleteRole(role.id).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect((await storedRole(t, { id: role.id }))?.permissions).toEqual(sorted(API_PERMISSIONS));
      const me = await t.http().get('/api/v1/auth/me').set('Authorization', admin.bearer).expect(200);
      expect((me.body as { roles: string[] }).roles).toEqual(['admin']);
    });
  });

  describe('the default role (viewer)', () => {
    it('cannot be deleted or renamed (409)', async () => {
      const role = await seededRole('viewer');
      expect((await deleteRole(role.id).expect(409)).body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect((await patchRole(role.id, { name: 'reader' }).expect(409)).body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
      });
      expect(await storedRole(t, { id: role.id })).toEqual({
        id: role.id,
        name: 'viewer',
        description: SEEDED_ROLES.viewer.description,
        permissions: sorted(API_PERMISSIONS.filter((name) => API_SEEDED_ROLES.viewer.includes(name))),
      });
      // new users still get it
      const created = await t
        .http()
        .post('/api/v1/users')
        .set('Authorization', admin.bearer)
        .send({ username: uniqueName(), password: strongPassword() })
        .expect(201);
      expect((created.body as { roles: string[] }).roles).toEqual(['viewer']);
    });
  });

  describe('DELETE /api/v1/roles/:id', () => {
    it('answers 204; the role is gone and its holders lose it (and its permissions) at once', async () => {
      const name = uniqueName('temp');
      const id = await newRole(t, name, ['audit_view']);
      const holder = await newUser(t, { roles: [name, 'job_manager'] });
      const onlyHolder = await newUser(t, { roles: [name] });
      await t.http().get('/api/v1/logs').set('Authorization', onlyHolder.bearer).expect(200);

      const res = await deleteRole(id).expect(204);
      expect(res.text).toBe('');

      expect(await storedRole(t, { id })).toBeNull();
      const links = await sql<{ count: string }>(
        t,
        `SELECT (SELECT count(*) FROM user_roles WHERE role_id = $1) + (SELECT count(*) FROM role_permissions WHERE role_id = $1) AS count`,
        [id],
      );
      expect(Number(links[0].count)).toBe(0);
      expect((await listRoles()).roles.map((role) => role.id)).not.toContain(id);

      const user = await t.http().get(`/api/v1/users/${holder.id}`).set('Authorization', admin.bearer).expect(200);
      expect((user.body as { roles: string[] }).roles).toEqual(['job_manager']);
      const alone = await t.http().get(`/api/v1/users/${onlyHolder.id}`).set('Authorization', admin.bearer).expect(200);
      expect((alone.body as { roles: string[] }).roles).toEqual([]);
      await t.http().get('/api/v1/logs').set('Authorization', onlyHolder.bearer).expect(403);

      expect((await deleteRole(id).expect(404)).body).toEqual(ROLE_NOT_FOUND);
      expect((await patchRole(id, { description: 'x' }).expect(404)).body).toEqual(ROLE_NOT_FOUND);
      // the name is free again
      await createRole({ name, permissions: [] }).expect(201);
    });
  });

  describe('a role manager who is not admin', () => {
    /** Holds only a custom role [role_manage, job_view, audit_view]. */
    let manager: Actor;

    beforeAll(async () => {
      manager = await newUser(t, { roles: [await customRoleWith(['role_manage', 'job_view', 'audit_view'])] });
    });

    it('cannot create a role with permissions it lacks (403 naming them), creating nothing', async () => {
      const name = uniqueName('grab');
      const res = await createRole(
        { name, permissions: ['job_view', 'job_delete', 'view_all'] },
        manager.bearer,
      ).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(messagesOf(res.body)).toContain('job_delete');
      expect(messagesOf(res.body)).toContain('view_all');
      expect(messagesOf(res.body)).not.toContain('job_view');
      expect(await storedRole(t, { name })).toBeNull();
      await createRole({ name, permissions: [...API_PERMISSIONS] }, manager.bearer).expect(403);
      expect(await storedRole(t, { name })).toBeNull();
    });

    it('can create, change and delete a role within its own permissions', async () => {
      const name = uniqueName('mine');
      const res = await createRole({ name, permissions: ['job_view', 'role_manage'] }, manager.bearer).expect(201);
      const id = (res.body as RoleBody).id;
      await patchRole(id, { permissions: ['audit_view'], description: 'mine' }, manager.bearer).expect(200);
      expect(await storedRole(t, { id })).toMatchObject({ description: 'mine', permissions: ['audit_view'] });
      await deleteRole(id, manager.bearer).expect(204);
      expect(await storedRole(t, { id })).toBeNull();
    });

    it('cannot add a permission it lacks to a role, nor change or delete roles holding more than it does', async () => {
      const name = uniqueName('small');
      const id = await newRole(t, name, ['job_view']);
      await patchRole(id, { permissions: ['job_view', 'job_run'] }, manager.bearer).expect(403);
      expect((await storedRole(t, { id }))?.permissions).toEqual(['job_view']);

      for (const seeded of ['admin', 'job_manager']) {
        const role = await seededRole(seeded);
        await patchRole(role.id, { description: 'hijacked' }, manager.bearer).expect(403);
        await deleteRole(role.id, manager.bearer).expect(403);
        expect(await storedRole(t, { id: role.id })).toMatchObject({
          name: seeded,
          description: SEEDED_ROLES[seeded].description,
          permissions: sorted(API_SEEDED_ROLES[seeded]),
        });
      }
    });
  });
});

// An app of its own, after the others have closed: a second app in this process would end the sessions of the first.
describe('GET /api/v1/roles/defaults with DEFAULT_ROLE set', () => {
  it('follows DEFAULT_ROLE', async () => {
    const other = await createTestApp({ env: { DEFAULT_ROLE: 'job_manager' } });
    try {
      const otherAdmin = await loginAdmin(other);
      const res = await other.http().get('/api/v1/roles/defaults').set('Authorization', otherAdmin.bearer).expect(200);
      expect(res.body).toEqual({ admin_role: 'admin', default_role: 'job_manager' });
    } finally {
      await other.close();
    }
  });
});
