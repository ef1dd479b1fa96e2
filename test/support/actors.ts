import { randomBytes } from 'node:crypto';
import { TEST_ADMIN, type TestApp } from './test-app.js';

export interface Actor {
  id: string;
  username: string;
  password: string;
  token: string;
  /** `Authorization` header value. */
  bearer: string;
}

/** A unique, valid username: `<prefix>-<hex>`. */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A password that passes the policy (24 random characters). */
export function strongPassword(): string {
  return `pw-${randomBytes(12).toString('base64url')}`;
}

export async function login(t: TestApp, username: string, password: string): Promise<Actor> {
  const res = await t.http().post('/api/v1/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { access_token: string; user: { id: string } };
  return { id: body.user.id, username, password, token: body.access_token, bearer: `Bearer ${body.access_token}` };
}

/** The first admin of the test app (created at start from ADMIN_USERNAME/ADMIN_PASSWORD). */
export function loginAdmin(t: TestApp): Promise<Actor> {
  return login(t, TEST_ADMIN.username, TEST_ADMIN.password);
}

/**
 * A real user created through the API by the admin, with these roles, logged in.
 * `roles: []` creates a user without any role.
 */
export async function newUser(
  t: TestApp,
  options: { roles?: string[]; username?: string; password?: string; email?: string } = {},
): Promise<Actor> {
  const admin = await loginAdmin(t);
  const username = options.username ?? uniqueName();
  const password = options.password ?? strongPassword();
  const res = await t
    .http()
    .post('/api/v1/users')
    .set('Authorization', admin.bearer)
    .send({
      username,
      password,
      roles: options.roles ?? ['viewer'],
      ...(options.email ? { email: options.email } : {}),
    });
  if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return login(t, username, password);
}

/** A role created through the API by the admin; returns its id. */
export async function newRole(t: TestApp, name: string, permissions: string[]): Promise<string> {
  const admin = await loginAdmin(t);
  const res = await t.http().post('/api/v1/roles').set('Authorization', admin.bearer).send({ name, permissions });
  if (res.status !== 201) throw new Error(`creating role ${name} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}
