import { createHash } from 'node:crypto';
import { loginAdmin, newRole, newUser, uniqueName, type Actor } from './support/actors.js';
import { Db, MISSING_ID, sleep, waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const GENERIC_401 = {
  statusCode: 401,
  message: 'Missing, invalid, expired or revoked access token',
  error: 'Unauthorized',
};
const challenge = (why: string) => `Bearer error="invalid_token", error_description="${why}"`;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Created {
  id: string;
  name: string;
  token: string;
  prefix: string;
  permissions: string[] | null;
  created_time: string;
  expires_at: string | null;
}

const JOB = {
  name: 'from a token',
  job_class_string: 'SampleJob',
  pub_args: ['hi'],
  minute: '*',
  paused: true,
};

describe('API tokens', () => {
  let t: TestApp;
  let db: Db;

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const as = (bearer: string) => ({
    get: (url: string) => t.http().get(url).set('Authorization', bearer),
    post: (url: string) => t.http().post(url).set('Authorization', bearer),
    delete: (url: string) => t.http().delete(url).set('Authorization', bearer),
  });
  const withToken = (token: string) => as(`Bearer ${token}`);

  async function createToken(actor: Actor, body: Record<string, unknown> = {}): Promise<Created> {
    const res = await as(actor.bearer)
      .post('/api/v1/auth/tokens')
      .send({ name: uniqueName('token'), ...body });
    if (res.status !== 201) throw new Error(`creating a token failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Created;
  }

  const auditOf = (userId: string, event: string) =>
    db.rows<{ event: string; user_id: string; owner_id: string; description: string }>(
      'SELECT event, user_id, owner_id, description FROM audit_logs WHERE owner_id = $1 AND event = $2 ORDER BY created_time',
      [userId, event],
    );

  it('POST creates one: the secret once, cw_-prefixed; only its SHA-256 is stored; audited as token_created', async () => {
    const user = await newUser(t, { roles: ['job_manager'] });
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const res = await as(user.bearer)
      .post('/api/v1/auth/tokens')
      .send({ name: 'ci deploys', expires_at: expires, permissions: ['job_view', 'job_create'] })
      .expect(201);
    const body = res.body as Created;
    expect(body).toEqual({
      id: expect.any(String),
      name: 'ci deploys',
      token: expect.stringMatching(/^cw_[A-Za-z0-9_-]{43}$/),
      prefix: body.token.slice(0, 11),
      permissions: ['job_create', 'job_view'],
      created_time: expect.stringMatching(ISO),
      expires_at: expires,
    });
    const rows = await db.rows<Record<string, unknown>>('SELECT * FROM api_tokens WHERE id = $1', [body.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(body.token).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(body.token.slice(11));
    expect(rows[0].user_id).toBe(user.id);

    const audit = await auditOf(user.id, 'token_created');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user_id: user.id, owner_id: user.id });
    expect(audit[0].description).toContain('ci deploys');
    expect(audit[0].description).not.toContain(body.token.slice(11));
    // visible to the owner through the API
    const logs = await as(user.bearer).get('/api/v1/logs').query({ event: 'token_created' }).expect(200);
    expect((logs.body as { logs: Array<{ event: string }> }).logs.map((log) => log.event)).toEqual(['token_created']);
  });

  it('works as a bearer token, and GET lists the caller’s own tokens without the secret, with last_used_time', async () => {
    const alice = await newUser(t, { roles: ['job_manager'] });
    const bob = await newUser(t, { roles: ['job_manager'] });
    const token = await createToken(alice);
    await createToken(bob);

    const before = await as(alice.bearer).get('/api/v1/auth/tokens').expect(200);
    expect(before.body).toEqual({
      tokens: [
        {
          id: token.id,
          name: token.name,
          prefix: token.prefix,
          permissions: null,
          created_time: token.created_time,
          expires_at: null,
          last_used_time: null,
        },
      ],
      total: 1,
    });

    const me = await withToken(token.token).get('/api/v1/auth/me').expect(200);
    expect(me.body).toMatchObject({ id: alice.id, username: alice.username, roles: ['job_manager'] });
    await withToken(token.token).get('/api/v1/jobs').expect(200);

    // The use is recorded without holding up the request: its write may land just after the answer.
    const after = await waitFor('the use recorded', async () => {
      const page = await as(alice.bearer).get('/api/v1/auth/tokens').expect(200);
      const tokens = (page.body as { tokens: Array<Record<string, unknown>> }).tokens;
      return tokens[0].last_used_time !== null ? page : undefined;
    });
    const listed = (after.body as { tokens: Array<Record<string, unknown>> }).tokens;
    expect(listed[0].last_used_time).toEqual(expect.stringMatching(ISO));
    expect(JSON.stringify(after.body)).not.toContain(token.token);
    expect(Object.keys(listed[0])).not.toContain('token');
    expect(Object.keys(listed[0])).not.toContain('token_hash');
  });

  it('last_used_time is written at most once a minute', async () => {
    const user = await newUser(t);
    const token = await createToken(user);
    await withToken(token.token).get('/api/v1/auth/me').expect(200);
    // The use is recorded without holding up the request: its write may land just after the answer.
    const first = await waitFor('the first use recorded', async () => {
      const rows = await db.rows<{ last_used_time: Date | null }>(
        'SELECT last_used_time FROM api_tokens WHERE id = $1',
        [token.id],
      );
      return rows[0].last_used_time !== null ? (rows as Array<{ last_used_time: Date }>) : undefined;
    });
    expect(first[0].last_used_time).toBeInstanceOf(Date);
    for (let i = 0; i < 3; i++) await withToken(token.token).get('/api/v1/auth/me').expect(200);
    await sleep(200);
    const again = await db.rows<{ last_used_time: Date }>('SELECT last_used_time FROM api_tokens WHERE id = $1', [
      token.id,
    ]);
    expect(again[0].last_used_time.getTime()).toBe(first[0].last_used_time.getTime());
  });

  it('rights are the intersection: a token limited to job_view cannot create a job', async () => {
    const user = await newUser(t, { roles: ['job_manager'] });
    const token = await createToken(user, { permissions: ['job_view'] });
    await withToken(token.token).get('/api/v1/jobs').expect(200);
    const refused = await withToken(token.token).post('/api/v1/jobs').send(JOB).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, message: 'Missing permission: job_create' });
    expect(await db.count('SELECT count(*) AS count FROM jobs WHERE owner_id = $1', [user.id])).toBe(0);
    const me = await withToken(token.token).get('/api/v1/auth/me').expect(200);
    expect((me.body as { permissions: string[] }).permissions).toEqual(['job_view']);
    // the owner's own session still creates it
    await as(user.bearer).post('/api/v1/jobs').send(JOB).expect(201);
  });

  it('rights follow the owner’s current permissions: a user who loses job_view loses it for the token too', async () => {
    const admin = await loginAdmin(t);
    const roleName = uniqueName('viewers');
    await newRole(t, roleName, ['job_view', 'execution_view']);
    const user = await newUser(t, { roles: [roleName] });
    const unlimited = await createToken(user);
    const limited = await createToken(user, { permissions: ['job_view'] });
    await withToken(unlimited.token).get('/api/v1/jobs').expect(200);
    await withToken(limited.token).get('/api/v1/jobs').expect(200);

    await t
      .http()
      .put(`/api/v1/users/${user.id}/roles`)
      .set('Authorization', admin.bearer)
      .send({ roles: [] })
      .expect(200);
    await withToken(unlimited.token).get('/api/v1/jobs').expect(403);
    await withToken(limited.token).get('/api/v1/jobs').expect(403);
    await withToken(limited.token).get('/api/v1/auth/me').expect(200);
  });

  it('refuses permissions the caller does not hold, unknown ones, a past expiry and a missing name (400 naming the field)', async () => {
    const viewer = await newUser(t, { roles: ['viewer'] });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'x', permissions: ['job_create'] }, /permissions: you do not hold job_create/],
      [{ name: 'x', permissions: ['fly'] }, /permissions/],
      [{ name: 'x', permissions: [] }, /permissions/],
      [{ name: 'x', expires_at: new Date(Date.now() - 1000).toISOString() }, /expires_at must be in the future/],
      [{ name: 'x', expires_at: 'tomorrow' }, /expires_at/],
      [{}, /name/],
    ];
    for (const [body, message] of cases) {
      const res = await as(viewer.bearer).post('/api/v1/auth/tokens').send(body).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    }
    expect(await db.count('SELECT count(*) AS count FROM api_tokens WHERE user_id = $1', [viewer.id])).toBe(0);
  });

  it('stops working once expired (401 expired)', async () => {
    const user = await newUser(t);
    const token = await createToken(user, { expires_at: new Date(Date.now() + 1500).toISOString() });
    await withToken(token.token).get('/api/v1/auth/me').expect(200);
    await sleep(1700);
    const res = await withToken(token.token).get('/api/v1/auth/me').expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('expired'));
    expect(res.body).toEqual(GENERIC_401);
  });

  it('DELETE revokes it at once (401 revoked), audited as token_revoked; it leaves the list', async () => {
    const user = await newUser(t);
    const token = await createToken(user);
    await withToken(token.token).get('/api/v1/auth/me').expect(200);
    await as(user.bearer).delete(`/api/v1/auth/tokens/${token.id}`).expect(204);
    const res = await withToken(token.token).get('/api/v1/auth/me').expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('revoked'));
    expect(res.body).toEqual(GENERIC_401);
    const rows = await db.rows<{ revoked_time: Date | null }>('SELECT revoked_time FROM api_tokens WHERE id = $1', [
      token.id,
    ]);
    expect(rows[0].revoked_time).toBeInstanceOf(Date);
    const audit = await auditOf(user.id, 'token_revoked');
    expect(audit).toHaveLength(1);
    expect(audit[0].description).toContain(token.name);
    const list = await as(user.bearer).get('/api/v1/auth/tokens').expect(200);
    expect(list.body).toEqual({ tokens: [], total: 0 });
    await as(user.bearer).delete(`/api/v1/auth/tokens/${token.id}`).expect(404);
  });

  it('another user’s token is 404 to list, revoke; an unknown or malformed id too', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const admin = await loginAdmin(t);
    const token = await createToken(alice);
    const notFound = await as(bob.bearer).delete(`/api/v1/auth/tokens/${token.id}`).expect(404);
    await as(admin.bearer).delete(`/api/v1/auth/tokens/${token.id}`).expect(404);
    expect((await as(bob.bearer).delete(`/api/v1/auth/tokens/${MISSING_ID}`).expect(404)).body).toEqual(notFound.body);
    await as(bob.bearer).delete('/api/v1/auth/tokens/not-a-uuid').expect(404);
    const bobs = await as(bob.bearer).get('/api/v1/auth/tokens').expect(200);
    expect(bobs.body).toEqual({ tokens: [], total: 0 });
    await withToken(token.token).get('/api/v1/auth/me').expect(200);
    expect(await auditOf(alice.id, 'token_revoked')).toHaveLength(0);
  });

  it('dies with its owner’s disabling (401 revoked), and stays dead when the owner is enabled again', async () => {
    const admin = await loginAdmin(t);
    const user = await newUser(t);
    const token = await createToken(user);
    await withToken(token.token).get('/api/v1/auth/me').expect(200);
    await t
      .http()
      .patch(`/api/v1/users/${user.id}`)
      .set('Authorization', admin.bearer)
      .send({ is_active: false })
      .expect(200);
    const res = await withToken(token.token).get('/api/v1/auth/me').expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('revoked'));
    expect(res.body).toEqual(GENERIC_401);
    await t
      .http()
      .patch(`/api/v1/users/${user.id}`)
      .set('Authorization', admin.bearer)
      .send({ is_active: true })
      .expect(200);
    await withToken(token.token).get('/api/v1/auth/me').expect(401);
  });

  it('an API token cannot create API tokens (403, before validation), but lists and revokes its owner’s', async () => {
    const user = await newUser(t);
    const token = await createToken(user);
    const refused = await withToken(token.token).post('/api/v1/auth/tokens').send({ name: 'child' }).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403 });
    await withToken(token.token).post('/api/v1/auth/tokens').send({}).expect(403);
    expect(await db.count('SELECT count(*) AS count FROM api_tokens WHERE user_id = $1', [user.id])).toBe(1);
    await withToken(token.token).get('/api/v1/auth/tokens').expect(200);
  });

  it('an unknown cw_ token is 401 "unknown token"; logout with an API token revokes it', async () => {
    const unknown = await withToken('cw_' + 'A'.repeat(43))
      .get('/api/v1/auth/me')
      .expect(401);
    expect(unknown.headers['www-authenticate']).toBe(challenge('unknown token'));
    expect(unknown.body).toEqual(GENERIC_401);

    const user = await newUser(t);
    const token = await createToken(user);
    await withToken(token.token).post('/api/v1/auth/logout').expect(204);
    const res = await withToken(token.token).get('/api/v1/auth/me').expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('revoked'));
    expect(await auditOf(user.id, 'token_revoked')).toHaveLength(1);
    // the owner's login session is untouched
    await as(user.bearer).get('/api/v1/auth/me').expect(200);
  });
});
