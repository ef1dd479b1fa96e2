import { createHash } from 'node:crypto';
import { loginAdmin, newUser, strongPassword, type Actor } from './support/actors.js';
import { Db } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const GENERIC_401 = {
  statusCode: 401,
  message: 'Missing, invalid, expired or revoked access token',
  error: 'Unauthorized',
};
const challenge = (why: string) => `Bearer error="invalid_token", error_description="${why}"`;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

interface Session {
  actor: Actor;
  access: string;
  /** The refresh token from the cookie. */
  refresh: string;
}

/** The value of the refresh cookie set by a response, and its attributes. */
function refreshCookieOf(setCookie: string | string[] | undefined): { value: string; attributes: string } {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const cookie = all.find((line) => line.startsWith('cronwarden_refresh='));
  if (!cookie) throw new Error(`no refresh cookie in ${JSON.stringify(setCookie)}`);
  const [pair, ...attributes] = cookie.split('; ');
  return { value: pair.slice('cronwarden_refresh='.length), attributes: attributes.join('; ') };
}

describe('refresh sessions', () => {
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

  async function signIn(actor?: Actor): Promise<Session> {
    const user = actor ?? (await newUser(t));
    const res = await t.http().post('/api/v1/auth/login').send({ username: user.username, password: user.password });
    expect(res.status).toBe(200);
    return {
      actor: user,
      access: (res.body as { access_token: string }).access_token,
      refresh: refreshCookieOf(res.headers['set-cookie']).value,
    };
  }
  const refresh = (token: string) =>
    t.http().post('/api/v1/auth/refresh').set('Cookie', `other=1; cronwarden_refresh=${token}`);
  const me = (access: string) => t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${access}`);

  it('login sets an HttpOnly, SameSite=Strict cookie limited to the refresh path, stored hashed', async () => {
    const user = await newUser(t);
    const res = await t.http().post('/api/v1/auth/login').send({ username: user.username, password: user.password });
    const cookie = refreshCookieOf(res.headers['set-cookie']);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toContain('Path=/api/v1/auth/refresh');
    expect(cookie.attributes).toContain('HttpOnly');
    expect(cookie.attributes).toContain('SameSite=Strict');
    expect(cookie.attributes).toMatch(/Max-Age=4319\d/);
    expect(cookie.attributes).not.toContain('Secure');
    const rows = await db.rows<{ user_id: string; used_time: Date | null }>(
      'SELECT user_id, used_time FROM refresh_tokens WHERE token_hash = $1',
      [sha256(cookie.value)],
    );
    expect(rows).toEqual([{ user_id: user.id, used_time: null }]);
    expect(await db.count('SELECT count(*) AS count FROM refresh_tokens WHERE token_hash = $1', [cookie.value])).toBe(
      0,
    );
  });

  it('refresh answers a new access token and rotates the cookie; the new pair works', async () => {
    const session = await signIn();
    const res = await refresh(session.refresh).expect(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      user: {
        id: session.actor.id,
        username: session.actor.username,
        roles: ['viewer'],
        permissions: expect.any(Array),
      },
    });
    const next = refreshCookieOf(res.headers['set-cookie']).value;
    expect(next).not.toBe(session.refresh);
    await me((res.body as { access_token: string }).access_token).expect(200);
    await refresh(next).expect(200);
    const rows = await db.rows<{ used: boolean }>(
      `SELECT used_time IS NOT NULL AS used FROM refresh_tokens
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) ORDER BY created_time`,
      [sha256(session.refresh)],
    );
    expect(rows.map((row) => row.used)).toEqual([true, true, false]);
  });

  it('concurrent refreshes with one cookie (two tabs) both succeed with the same successor; the session lives on', async () => {
    const session = await signIn();
    const answers = await Promise.all([refresh(session.refresh), refresh(session.refresh), refresh(session.refresh)]);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
    const cookies = answers.map((res) => refreshCookieOf(res.headers['set-cookie']).value);
    expect(new Set(cookies).size).toBe(1);
    expect(cookies[0]).not.toBe(session.refresh);
    for (const res of answers) {
      const body = res.body as { access_token: string; user: { id: string } };
      expect(body.user.id).toBe(session.actor.id);
      await me(body.access_token).expect(200);
    }
    // one rotation happened, nothing was revoked, and the family's one live token is the shared successor
    expect(await familyOf(session.refresh)).toEqual([
      { used: true, revoked: false, sealed: true },
      { used: false, revoked: false, sealed: false },
    ]);
    const next = await refresh(cookies[0]).expect(200);
    expect(refreshCookieOf(next.headers['set-cookie']).value).not.toBe(cookies[0]);
  });

  it('within the grace window a rotated token answers the family’s live token, also after further quick rotations', async () => {
    const session = await signIn();
    const first = refreshCookieOf((await refresh(session.refresh).expect(200)).headers['set-cookie']).value;
    const second = refreshCookieOf((await refresh(first).expect(200)).headers['set-cookie']).value;
    // a reload that lost the first answer presents the sign-in's token again
    const late = await refresh(session.refresh).expect(200);
    expect(refreshCookieOf(late.headers['set-cookie']).value).toBe(second);
    await me((late.body as { access_token: string }).access_token).expect(200);
    expect((await familyOf(session.refresh)).map((row) => row.revoked)).toEqual([false, false, false]);
    await refresh(second).expect(200);
  });

  it('the grace window ends the session as theft once it is over, and never reopens a revoked session', async () => {
    const session = await signIn();
    const rotated = refreshCookieOf((await refresh(session.refresh).expect(200)).headers['set-cookie']).value;
    await rotatedAgo(session.refresh, 9);
    await refresh(session.refresh).expect(200);
    await rotatedAgo(session.refresh, 2);
    const reuse = await refresh(session.refresh).expect(401);
    expect(reuse.headers['www-authenticate']).toBe(challenge('revoked'));
    expect((await familyOf(session.refresh)).map((row) => row.revoked)).toEqual([true, true]);
    await refresh(rotated).expect(401);

    // logout inside the window: the rotated token gets nothing either
    const other = await signIn();
    const after = await refresh(other.refresh).expect(200);
    await t
      .http()
      .post('/api/v1/auth/logout')
      .set('Authorization', `Bearer ${(after.body as { access_token: string }).access_token}`)
      .expect(204);
    const again = await refresh(other.refresh).expect(401);
    expect(again.headers['www-authenticate']).toBe(challenge('revoked'));
  });

  it('a password change inside the grace window ends the session for the rotated token too', async () => {
    const session = await signIn();
    await refresh(session.refresh).expect(200);
    await t
      .http()
      .put('/api/v1/auth/me/password')
      .set('Authorization', `Bearer ${session.access}`)
      .send({ current_password: session.actor.password, new_password: strongPassword() })
      .expect(204);
    const res = await refresh(session.refresh).expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('revoked'));
  });

  /** Moves a token's rotation `seconds` into the past, as if that much time had gone by since. */
  const rotatedAgo = (token: string, seconds: number) =>
    db.rows(`UPDATE refresh_tokens SET used_time = used_time - make_interval(secs => $2) WHERE token_hash = $1`, [
      sha256(token),
      seconds,
    ]);
  const familyOf = (token: string) =>
    db.rows<{ used: boolean; revoked: boolean; sealed: boolean }>(
      `SELECT used_time IS NOT NULL AS used, revoked_time IS NOT NULL AS revoked, successor_sealed IS NOT NULL AS sealed
         FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
        ORDER BY created_time`,
      [sha256(token)],
    );

  it('reuse of a rotated refresh token after the grace window is 401 and revokes the whole session', async () => {
    const session = await signIn();
    const rotated = await refresh(session.refresh).expect(200);
    const current = refreshCookieOf(rotated.headers['set-cookie']).value;
    await rotatedAgo(session.refresh, 11);
    const reuse = await refresh(session.refresh).expect(401);
    expect(reuse.body).toEqual(GENERIC_401);
    expect(reuse.headers['www-authenticate']).toBe(challenge('revoked'));
    // the thief's reuse also ends the legitimate holder's newer token
    await refresh(current).expect(401);
    const family = await db.rows<{ revoked: boolean }>(
      `SELECT revoked_time IS NOT NULL AS revoked FROM refresh_tokens
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)`,
      [sha256(session.refresh)],
    );
    expect(family).toEqual([{ revoked: true }, { revoked: true }]);
  });

  it('a missing or unknown cookie is 401', async () => {
    const missing = await t.http().post('/api/v1/auth/refresh').expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.body).toEqual(GENERIC_401);
    const unknown = await refresh('A'.repeat(43)).expect(401);
    expect(unknown.headers['www-authenticate']).toBe(challenge('unknown token'));
  });

  it('logout revokes the session’s refresh tokens (and clears the cookie), not the user’s other sessions', async () => {
    const user = await newUser(t);
    const first = await signIn(user);
    const second = await signIn(user);
    const res = await t.http().post('/api/v1/auth/logout').set('Authorization', `Bearer ${first.access}`).expect(204);
    expect(refreshCookieOf(res.headers['set-cookie'])).toMatchObject({ value: '' });
    expect(refreshCookieOf(res.headers['set-cookie']).attributes).toContain('Max-Age=0');
    const refused = await refresh(first.refresh).expect(401);
    expect(refused.headers['www-authenticate']).toBe(challenge('revoked'));
    await refresh(second.refresh).expect(200);
  });

  it('a password change revokes every refresh token of the user', async () => {
    const session = await signIn();
    await t
      .http()
      .put('/api/v1/auth/me/password')
      .set('Authorization', `Bearer ${session.access}`)
      .send({ current_password: session.actor.password, new_password: strongPassword() })
      .expect(204);
    const res = await refresh(session.refresh).expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('revoked'));
  });

  it('disabling a user revokes their refresh tokens, also after enabling them again', async () => {
    const admin = await loginAdmin(t);
    const session = await signIn();
    const patch = (isActive: boolean) =>
      t
        .http()
        .patch(`/api/v1/users/${session.actor.id}`)
        .set('Authorization', admin.bearer)
        .send({ is_active: isActive })
        .expect(200);
    await patch(false);
    await refresh(session.refresh).expect(401);
    await patch(true);
    await refresh(session.refresh).expect(401);
  });

  it('an expired session is 401 expired', async () => {
    const session = await signIn();
    await db.rows(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [
      session.actor.id,
    ]);
    const res = await refresh(session.refresh).expect(401);
    expect(res.headers['www-authenticate']).toBe(challenge('expired'));
  });
});
