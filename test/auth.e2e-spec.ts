import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { PERMISSIONS } from '../src/access/permissions.js';
import { login, loginAdmin, newUser, strongPassword, type Actor } from './support/actors.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

const INVALID_TOKEN = {
  statusCode: 401,
  message: 'Missing, invalid, expired or revoked access token',
  error: 'Unauthorized',
};
const INVALID_LOGIN = { statusCode: 401, message: 'Invalid username or password', error: 'Unauthorized' };

async function secretOf(t: TestApp): Promise<string> {
  const client = new pg.Client({ connectionString: t.database.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'jwt_secret'`);
    return rows[0].value;
  } finally {
    await client.end();
  }
}

describe('auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const me = (bearer?: string) => {
    const req = t.http().get('/api/v1/auth/me');
    return bearer === undefined ? req : req.set('Authorization', bearer);
  };

  describe('POST /api/v1/auth/login', () => {
    it('returns a bearer token with the user, roles and effective permissions', async () => {
      const res = await t.http().post('/api/v1/auth/login').send(TEST_ADMIN).expect(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        user: { id: expect.any(String), username: 'admin', roles: ['admin'], permissions: [...PERMISSIONS] },
      });
      const claims = jwt.decode(res.body.access_token, { complete: true });
      expect(claims?.header.alg).toBe('HS256');
      expect(claims?.payload).toMatchObject({
        sub: res.body.user.id,
        iss: 'cronwarden',
        aud: 'cronwarden-api',
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    });

    it('matches usernames regardless of case', async () => {
      await t.http().post('/api/v1/auth/login').send({ username: 'ADMIN', password: TEST_ADMIN.password }).expect(200);
    });

    it('gives the same 401 body for an unknown user, a wrong password and a disabled account', async () => {
      const admin = await loginAdmin(t);
      const disabled = await newUser(t);
      await t
        .http()
        .patch(`/api/v1/users/${disabled.id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: false })
        .expect(200);

      const unknown = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ username: 'nobody-here', password: 'whatever-long-pw' });
      const wrong = await t.http().post('/api/v1/auth/login').send({ username: 'admin', password: 'not-the-password' });
      const inactive = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ username: disabled.username, password: disabled.password });
      for (const res of [unknown, wrong, inactive]) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual(INVALID_LOGIN);
      }
    });

    it('rejects a missing field and a password over 72 bytes with 400 naming the field', async () => {
      const missing = await t.http().post('/api/v1/auth/login').send({ username: 'admin' }).expect(400);
      expect(missing.body.message).toEqual(expect.arrayContaining(['password should not be empty']));
      const long = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ username: 'admin', password: 'é'.repeat(37) });
      expect(long.status).toBe(400);
      expect(long.body.message).toEqual(['password must be at most 72 bytes in UTF-8']);
    });
  });

  describe('GET /api/v1/auth/me', () => {
    it('describes the caller', async () => {
      const user = await newUser(t, { roles: ['job_manager'], email: 'jm@example.com' });
      const res = await me(user.bearer).expect(200);
      expect(res.body).toEqual({
        id: user.id,
        username: user.username,
        email: 'jm@example.com',
        is_active: true,
        roles: ['job_manager'],
        permissions: [
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
      });
    });
  });

  describe('tokens that must be refused with 401', () => {
    let user: Actor;
    let secret: string;

    beforeAll(async () => {
      user = await newUser(t);
      secret = await secretOf(t);
    });

    const forge = (claims: object, options: jwt.SignOptions = {}, key: string = secret): string =>
      jwt.sign({ ver: 0, ...claims }, key, {
        algorithm: 'HS256',
        issuer: 'cronwarden',
        audience: 'cronwarden-api',
        subject: user.id,
        jwtid: randomUUID(),
        expiresIn: 600,
        ...options,
      });

    it('accepts a well-formed token signed with the real key (the forging helper is right)', async () => {
      await me(`Bearer ${forge({})}`).expect(200);
    });

    it.each([
      ['no Authorization header', () => undefined],
      ['a malformed token', () => 'Bearer not.a.jwt'],
      ['a Basic scheme', () => 'Basic YWRtaW46YWRtaW4='],
      ['a wrong signature', () => `Bearer ${forge({}, {}, 'another-secret-of-at-least-32-characters!!')}`],
      [
        'an expired token',
        () => `Bearer ${forge({ iat: Math.floor(Date.now() / 1000) - 700 })}`, // 600 s lifetime, over 100 s ago
      ],
      ['another issuer', () => `Bearer ${forge({}, { issuer: 'someone-else' })}`],
      ['another audience', () => `Bearer ${forge({}, { audience: 'another-api' })}`],
      ['an old token version', () => `Bearer ${forge({ ver: -1 })}`],
    ])('%s', async (_case, header) => {
      const res = await me(header()).expect(401);
      expect(res.body).toEqual(INVALID_TOKEN);
    });

    it('alg "none"', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(
        JSON.stringify({
          sub: user.id,
          ver: 0,
          jti: randomUUID(),
          iat: now,
          exp: now + 600,
          iss: 'cronwarden',
          aud: 'cronwarden-api',
        }),
      ).toString('base64url');
      const res = await me(`Bearer ${header}.${payload}.`).expect(401);
      expect(res.body).toEqual(INVALID_TOKEN);
    });

    it('HS512 signed with the real key (the algorithm is pinned)', async () => {
      await me(`Bearer ${forge({}, { algorithm: 'HS512' })}`).expect(401);
    });

    it('revoked by logout; other tokens of the same user still work', async () => {
      const first = await login(t, user.username, user.password);
      const second = await login(t, user.username, user.password);
      await t.http().post('/api/v1/auth/logout').set('Authorization', first.bearer).expect(204);
      expect((await me(first.bearer).expect(401)).body).toEqual(INVALID_TOKEN);
      await me(second.bearer).expect(200);
    });

    it('revoked by a password change, which a new login then works with', async () => {
      const someone = await newUser(t);
      const other = await login(t, someone.username, someone.password);
      const next = strongPassword();
      await t
        .http()
        .put('/api/v1/auth/me/password')
        .set('Authorization', someone.bearer)
        .send({ current_password: someone.password, new_password: next })
        .expect(204);
      await me(someone.bearer).expect(401);
      await me(other.bearer).expect(401);
      await t
        .http()
        .post('/api/v1/auth/login')
        .send({ username: someone.username, password: someone.password })
        .expect(401);
      const fresh = await login(t, someone.username, next);
      await me(fresh.bearer).expect(200);
    });

    it('revoked by disabling the user, and not restored by enabling them again', async () => {
      const admin = await loginAdmin(t);
      const someone = await newUser(t);
      await t
        .http()
        .patch(`/api/v1/users/${someone.id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: false })
        .expect(200);
      await me(someone.bearer).expect(401);
      await t
        .http()
        .patch(`/api/v1/users/${someone.id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: true })
        .expect(200);
      await me(someone.bearer).expect(401);
    });

    it('revoked by deleting the user', async () => {
      const admin = await loginAdmin(t);
      const someone = await newUser(t);
      await t.http().delete(`/api/v1/users/${someone.id}`).set('Authorization', admin.bearer).expect(204);
      await me(someone.bearer).expect(401);
    });

    it('revoked by an admin setting a new password', async () => {
      const admin = await loginAdmin(t);
      const someone = await newUser(t);
      await t
        .http()
        .patch(`/api/v1/users/${someone.id}`)
        .set('Authorization', admin.bearer)
        .send({ password: strongPassword() })
        .expect(200);
      await me(someone.bearer).expect(401);
    });
  });

  describe('PUT /api/v1/auth/me/password', () => {
    it('answers 400 for a wrong current password, a weak or oversized new one', async () => {
      const someone = await newUser(t);
      const put = (body: object) =>
        t.http().put('/api/v1/auth/me/password').set('Authorization', someone.bearer).send(body);
      expect(
        (await put({ current_password: 'wrong-password-here', new_password: strongPassword() }).expect(400)).body
          .message,
      ).toEqual(['current_password is wrong']);
      expect(
        (await put({ current_password: someone.password, new_password: 'short' }).expect(400)).body.message,
      ).toEqual(['new_password must be at least 12 characters long']);
      expect(
        (await put({ current_password: someone.password, new_password: 'password1234' }).expect(400)).body.message,
      ).toEqual(['new_password is too common; choose another']);
      expect(
        (await put({ current_password: someone.password, new_password: 'é'.repeat(40) }).expect(400)).body.message,
      ).toEqual(['new_password must be at most 72 bytes in UTF-8']);
      await me(someone.bearer).expect(200);
    });
  });
});
