import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { loginAdmin, newUser } from './support/actors.js';
import { Db } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The one body every token refusal answers, whatever the reason. */
const GENERIC_401 = {
  statusCode: 401,
  message: 'Missing, invalid, expired or revoked access token',
  error: 'Unauthorized',
};
const challenge = (why: string) => `Bearer error="invalid_token", error_description="${why}"`;

describe('401 answers say why in WWW-Authenticate (RFC 6750)', () => {
  let t: TestApp;
  let db: Db;
  let secret: string;

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    const rows = await db.rows<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'jwt_secret'`);
    secret = rows[0].value;
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const me = (authorization?: string) => {
    const req = t.http().get('/api/v1/auth/me');
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  /** A token shaped exactly like the server's own, signed with `key`. */
  const sign = (key: string, sub: string, claims: Record<string, unknown> = {}) =>
    jwt.sign({ ver: 0, ...claims }, key, {
      algorithm: 'HS256',
      issuer: 'cronwarden',
      audience: 'cronwarden-api',
      subject: sub,
      jwtid: randomUUID(),
      ...(claims.exp === undefined ? { expiresIn: 600 } : {}),
    });

  it('a valid token is accepted without a challenge (the control case)', async () => {
    const admin = await loginAdmin(t);
    const res = await me(admin.bearer).expect(200);
    expect(res.headers['www-authenticate']).toBeUndefined();
    // the hand-signed token with the real secret works too, so the cases below fail only for their reason
    const ver = (
      await db.rows<{ token_version: number }>('SELECT token_version FROM users WHERE id = $1', [admin.id])
    )[0].token_version;
    await me(`Bearer ${sign(secret, admin.id, { ver })}`).expect(200);
  });

  it('no Authorization header: a bare "Bearer" challenge without an error', async () => {
    const res = await me().expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toEqual(GENERIC_401);
  });

  it('a token signed with another key: bad signature', async () => {
    const admin = await loginAdmin(t);
    const res = await me(`Bearer ${sign('some-other-secret-of-32-characters!', admin.id)}`).expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('bad signature'));
    expect(res.body).toEqual(GENERIC_401);
  });

  it('a garbage token: malformed', async () => {
    for (const garbage of ['not-a-jwt', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30']) {
      const res = await me(`Bearer ${garbage}`).expect(401);
      expect(res.headers['www-authenticate']).toBe(challenge('malformed'));
      expect(res.body).toEqual(GENERIC_401);
    }
  });

  it('a token with a past exp signed with the real secret: expired', async () => {
    const admin = await loginAdmin(t);
    const past = Math.floor(Date.now() / 1000) - 60;
    const res = await me(`Bearer ${sign(secret, admin.id, { exp: past, iat: past - 600 })}`).expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('expired'));
    expect(res.body).toEqual(GENERIC_401);
  });

  it('a token ended by logout: revoked', async () => {
    const user = await newUser(t);
    await t.http().post('/api/v1/auth/logout').set('Authorization', user.bearer).expect(204);
    const res = await me(user.bearer).expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('revoked'));
    expect(res.body).toEqual(GENERIC_401);
    expect(await db.count('SELECT count(*) AS count FROM revoked_tokens')).toBeGreaterThan(0);
  });

  it('a token of a disabled user: revoked', async () => {
    const admin = await loginAdmin(t);
    const user = await newUser(t);
    await t
      .http()
      .patch(`/api/v1/users/${user.id}`)
      .set('Authorization', admin.bearer)
      .send({ is_active: false })
      .expect(200);
    const res = await me(user.bearer).expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('revoked'));
    expect(res.body).toEqual(GENERIC_401);
  });

  it('a 403 carries no challenge, and a public route ignores a bad token without one', async () => {
    const viewer = await newUser(t, { roles: ['viewer'] });
    const forbidden = await t.http().get('/api/v1/users').set('Authorization', viewer.bearer).expect(403);
    expect(forbidden.headers['www-authenticate']).toBeUndefined();
    const health = await t.http().get('/health').set('Authorization', 'Bearer not-a-jwt');
    expect(health.headers['www-authenticate']).toBeUndefined();
  });
});
