import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Response } from 'supertest';
import { login, newUser, strongPassword, uniqueName, type Actor } from './support/actors.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const INVALID_LOGIN = { statusCode: 401, message: 'Invalid username or password', error: 'Unauthorized' };
const WRONG = 'definitely-not-the-password';

/** Two client addresses, as a proxy at 127.0.0.1 reports them in X-Forwarded-For. */
const ADDRESS_A = '203.0.113.66';
const ADDRESS_B = '198.51.100.20';

interface FailureRow {
  key: string;
  failures: number;
  pending: number;
  last_failure_at: Date | null;
  blocked_until: Date | null;
}

/** Runs one query on a test app's database. */
async function query<T extends pg.QueryResultRow>(t: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: t.database.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** The login_failures rows of a test app's database. */
const failureRows = (t: TestApp, where = 'true', params: unknown[] = []): Promise<FailureRow[]> =>
  query<FailureRow>(
    t,
    `SELECT key, failures, pending, last_failure_at, blocked_until FROM login_failures WHERE ${where} ORDER BY key`,
    params,
  );

const keyOf = (address: string, username?: string): string =>
  username === undefined ? `ip:${address}` : `ip:${address}|user:${username.toLowerCase()}`;

const rowOf = async (t: TestApp, key: string): Promise<FailureRow | undefined> =>
  (await failureRows(t, 'key = $1', [key]))[0];

/** Counts audit entries of an event, optionally of one user. */
async function auditCount(t: TestApp, event: string, userId?: string): Promise<number> {
  const rows = await query<{ count: string }>(
    t,
    `SELECT count(*) AS count FROM audit_logs WHERE event = $1 AND ($2::uuid IS NULL OR user_id = $2::uuid)`,
    [event, userId ?? null],
  );
  return Number(rows[0].count);
}

/** A login from `address` (the test proxy at 127.0.0.1 forwards it), or from the peer itself. */
const attempt = (t: TestApp, username: string, password: string, address?: string): Promise<Response> => {
  const req = t.http().post('/api/v1/auth/login');
  if (address) void req.set('X-Forwarded-For', address);
  return req.send({ username, password });
};

/** `count` wrong passwords in a row, each answered with the ordinary 401. */
async function fail(t: TestApp, username: string, count: number, address?: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await attempt(t, username, WRONG, address);
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 401, body: INVALID_LOGIN });
  }
}

/** Asserts the documented 429 (Retry-After, a message with the wait) and returns the wait in seconds. */
function expectWait(res: Response, maxSeconds: number, what = 'failed logins'): number {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status: 429,
    body: { statusCode: 429, message: expect.any(String), error: 'Too Many Requests' },
  });
  const header = res.headers['retry-after'];
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  expect(res.body.message).toBe(`Too many ${what}: try again in ${seconds} seconds`);
  return seconds;
}

/** Seconds from now until the key's wait ends (0 when it does not wait). */
async function waitOf(t: TestApp, key: string): Promise<number> {
  const row = await rowOf(t, key);
  const until = row?.blocked_until?.getTime() ?? 0;
  return Math.max(0, (until - Date.now()) / 1000);
}

/** Waits until a wait that answered `retryAfter` seconds has certainly run out. */
const waitOut = (retryAfter: number) => sleep(retryAfter * 1000 + 300);

/** The test apps sit behind a proxy at 127.0.0.1, as TRUST_PROXY=loopback tells them. */
function throttleEnv(settings: {
  perUserAddress: number;
  perAddress: number;
  baseSeconds: number;
  maxSeconds: number;
  resetSeconds?: number;
}): Record<string, string> {
  return {
    TRUST_PROXY: 'loopback',
    LOGIN_FAILURES_PER_USER_ADDRESS: String(settings.perUserAddress),
    LOGIN_FAILURES_PER_ADDRESS: String(settings.perAddress),
    LOGIN_DELAY_BASE_SECONDS: String(settings.baseSeconds),
    LOGIN_DELAY_MAX_SECONDS: String(settings.maxSeconds),
    LOGIN_FAILURE_RESET_SECONDS: String(settings.resetSeconds ?? 3600),
  };
}

describe('login throttle', () => {
  describe('an attacker cannot lock anyone out (3 failures per username + address, waits of 30 s)', () => {
    let t: TestApp;

    beforeAll(async () => {
      // Waits far longer than the test: the attacker's address stays throttled throughout.
      t = await createTestApp({
        env: throttleEnv({ perUserAddress: 3, perAddress: 10_000, baseSeconds: 30, maxSeconds: 600 }),
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('25 wrong passwords for admin from A: the admin still logs in from B at once; A waits', async () => {
      const adminId = (await login(t, TEST_ADMIN.username, TEST_ADMIN.password)).id;
      const failedBefore = await auditCount(t, 'login_failed', adminId);

      // The attack: the first 3 are checked (401), then A waits; the rest are refused unchecked.
      await fail(t, 'admin', 3, ADDRESS_A);
      const refused = await Promise.all(Array.from({ length: 22 }, () => attempt(t, 'admin', WRONG, ADDRESS_A)));
      for (const res of refused) expectWait(res, 30);

      // The real admin, from B, with the right password: 200 at once.
      const fromB = await attempt(t, TEST_ADMIN.username, TEST_ADMIN.password, ADDRESS_B);
      expect(fromB.status).toBe(200);
      expect(fromB.body.user.username).toBe('admin');
      // And a typo from B is an ordinary 401, not a 429: B is not throttled by A's failures.
      await fail(t, 'admin', 1, ADDRESS_B);
      expect((await attempt(t, TEST_ADMIN.username, TEST_ADMIN.password, ADDRESS_B)).status).toBe(200);

      // The right password from A while A waits is refused too, and not even checked: otherwise the
      // answer (200 or 401) would tell the attacker which guess is right, and guessing would go on
      // at full speed during the wait.
      const loginsBefore = await auditCount(t, 'login', adminId);
      const rightFromA = await attempt(t, TEST_ADMIN.username, TEST_ADMIN.password, ADDRESS_A);
      expectWait(rightFromA, 30);
      expect(rightFromA.body).not.toHaveProperty('access_token');
      expect(await auditCount(t, 'login', adminId)).toBe(loginsBefore);

      // Only checked attempts were counted: 3 from A (one wait running), 1 from B (cleared by the success after it).
      const rows = await failureRows(t, `key LIKE '%|user:admin'`);
      expect(rows).toEqual([
        {
          key: keyOf(ADDRESS_A, 'admin'),
          failures: 3,
          pending: 0,
          last_failure_at: expect.any(Date),
          blocked_until: expect.any(Date),
        },
      ]);
      expect(rows[0].blocked_until!.getTime()).toBeGreaterThan(Date.now() + 25_000);
      expect(await auditCount(t, 'login_failed', adminId)).toBe(failedBefore + 4);
      // Nothing is counted per username alone.
      expect(await failureRows(t, `key NOT LIKE 'ip:%'`)).toEqual([]);
    });

    it('counts usernames case-insensitively', async () => {
      const user = await newUser(t);
      await fail(t, user.username.toUpperCase(), 1, ADDRESS_A);
      await fail(t, user.username, 1, ADDRESS_A);
      await fail(t, `${user.username[0].toUpperCase()}${user.username.slice(1)}`, 1, ADDRESS_A);
      expectWait(await attempt(t, user.username, user.password, ADDRESS_A), 30);
      expect(await failureRows(t, 'key ILIKE $1', [`%|user:${user.username}`])).toHaveLength(1);
    });

    it('throttles an unknown username the same way, with an answer identical to a known user’s', async () => {
      const known = await newUser(t);
      const unknown = uniqueName('ghost');
      await fail(t, known.username, 3, ADDRESS_A);
      await fail(t, unknown, 3, ADDRESS_A);

      const knownWaits = await attempt(t, known.username, known.password, ADDRESS_A);
      const unknownWaits = await attempt(t, unknown, known.password, ADDRESS_A);
      expectWait(knownWaits, 30);
      expectWait(unknownWaits, 30);
      expect(unknownWaits.body).toEqual(knownWaits.body);
      expect(unknownWaits.headers['retry-after']).toBe(knownWaits.headers['retry-after']);
      expect(unknownWaits.headers['content-type']).toBe(knownWaits.headers['content-type']);
      expect(await waitOf(t, keyOf(ADDRESS_A, unknown))).toBeGreaterThan(25);
    });

    it('a successful login clears its username + address count (2 failures, success, 2 failures: no wait)', async () => {
      const user = await newUser(t);
      await fail(t, user.username, 2, ADDRESS_B);
      expect((await rowOf(t, keyOf(ADDRESS_B, user.username)))?.failures).toBe(2);

      expect((await attempt(t, user.username, user.password, ADDRESS_B)).status).toBe(200);
      expect(await rowOf(t, keyOf(ADDRESS_B, user.username))).toBeUndefined();

      await fail(t, user.username, 2, ADDRESS_B);
      expect((await attempt(t, user.username, user.password, ADDRESS_B)).status).toBe(200);
    });

    it('simultaneous wrong passwords cannot overrun the limit: at most 3 are checked, the rest get 429', async () => {
      const user = await newUser(t);
      const results = await Promise.all(Array.from({ length: 20 }, () => attempt(t, user.username, WRONG, ADDRESS_A)));
      const statuses = results.map((res) => res.status);
      expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(3);
      expectWait(await attempt(t, user.username, user.password, ADDRESS_A), 30);
      // The same user from elsewhere is not affected.
      expect((await attempt(t, user.username, user.password, ADDRESS_B)).status).toBe(200);
    });
  });

  describe('growing waits (3 failures per username + address; 1 s, doubling, at most 3 s)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({
        env: throttleEnv({ perUserAddress: 3, perAddress: 10_000, baseSeconds: 1, maxSeconds: 3 }),
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('waits 1, 2, 3, 3 s after the 3rd, 4th, 5th and 6th failure; then the right password works and clears it', async () => {
      const user = await newUser(t);
      const key = keyOf(ADDRESS_A, user.username);
      await fail(t, user.username, 3, ADDRESS_A);

      for (const [failures, expected] of [
        [3, 1],
        [4, 2],
        [5, 3],
        [6, 3],
      ]) {
        const res = await attempt(t, user.username, user.password, ADDRESS_A);
        const retryAfter = expectWait(res, 3);
        expect(retryAfter).toBe(expected);
        const row = await rowOf(t, key);
        expect(row?.failures).toBe(failures);
        // The wait runs from the last failure: about `expected` seconds after it.
        const waitMs = row!.blocked_until!.getTime() - row!.last_failure_at!.getTime();
        expect(Math.abs(waitMs - expected * 1000)).toBeLessThan(50);
        await waitOut(retryAfter);
        if (failures < 6) await fail(t, user.username, 1, ADDRESS_A);
      }

      expect((await attempt(t, user.username, user.password, ADDRESS_A)).status).toBe(200);
      expect(await rowOf(t, key)).toBeUndefined();
    });
  });

  describe('failures are forgotten (LOGIN_FAILURE_RESET_SECONDS=2)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({
        env: throttleEnv({ perUserAddress: 3, perAddress: 10_000, baseSeconds: 1, maxSeconds: 3, resetSeconds: 2 }),
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('a username + address with no failure for the reset time starts from zero', async () => {
      const user = await newUser(t);
      await fail(t, user.username, 2, ADDRESS_A);
      await sleep(2_300);
      await fail(t, user.username, 2, ADDRESS_A);
      const row = await rowOf(t, keyOf(ADDRESS_A, user.username));
      expect(row?.failures).toBe(2);
      expect(row?.blocked_until).toBeNull();
      await fail(t, user.username, 1, ADDRESS_A);
      expectWait(await attempt(t, user.username, user.password, ADDRESS_A), 1);
    });
  });

  describe('per client address (5 failures over any usernames; waits of 5 s, doubling)', () => {
    let t: TestApp;
    let user: Actor;

    beforeAll(async () => {
      t = await createTestApp({
        env: throttleEnv({ perUserAddress: 1000, perAddress: 5, baseSeconds: 5, maxSeconds: 60 }),
      });
      user = await newUser(t);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('failures spread over 5 usernames from A make A wait, for any username; B is not affected', async () => {
      for (let i = 0; i < 5; i++) await fail(t, uniqueName('spray'), 1, ADDRESS_A);

      const address = await rowOf(t, keyOf(ADDRESS_A));
      expect(address?.failures).toBe(5);
      expect(await waitOf(t, keyOf(ADDRESS_A))).toBeGreaterThan(3);
      // No username + address reached its own limit.
      const pairs = await failureRows(t, `key LIKE $1`, [`${keyOf(ADDRESS_A)}|user:%`]);
      expect(pairs).toHaveLength(5);
      expect(pairs.every((row) => row.failures === 1 && row.blocked_until === null)).toBe(true);

      expectWait(await attempt(t, uniqueName('spray'), WRONG, ADDRESS_A), 5);
      // The whole address waits, so even a valid login from it does.
      expectWait(await attempt(t, user.username, user.password, ADDRESS_A), 5);
      expect(await failureRows(t, `key LIKE $1`, [`${keyOf(ADDRESS_A)}|user:%`])).toHaveLength(5);
      // The same user from B logs in.
      expect((await attempt(t, user.username, user.password, ADDRESS_B)).status).toBe(200);
    });

    it('after the wait a login works, but does not clear the address: its next failure waits twice as long', async () => {
      const retryAfter = expectWait(await attempt(t, user.username, user.password, ADDRESS_A), 5);
      await waitOut(retryAfter);

      expect((await attempt(t, user.username, user.password, ADDRESS_A)).status).toBe(200);
      expect((await rowOf(t, keyOf(ADDRESS_A)))?.failures).toBe(5);
      await fail(t, uniqueName('spray'), 1, ADDRESS_A);
      expect(expectWait(await attempt(t, uniqueName('spray'), WRONG, ADDRESS_A), 10)).toBe(10);
    });
  });

  describe('PUT /api/v1/auth/me/password (3 failures per user + address, waits of 30 s)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({
        env: throttleEnv({ perUserAddress: 3, perAddress: 10_000, baseSeconds: 30, maxSeconds: 600 }),
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    const hashOf = async (userId: string): Promise<string> =>
      (await query<{ password_hash: string }>(t, 'SELECT password_hash FROM users WHERE id = $1', [userId]))[0]
        .password_hash;

    const change = (user: Actor, current: string, address: string, next = strongPassword()) =>
      t
        .http()
        .put('/api/v1/auth/me/password')
        .set('Authorization', user.bearer)
        .set('X-Forwarded-For', address)
        .send({ current_password: current, new_password: next });

    it('a stolen token guessing the current password from A waits like a login; a throttled call changes nothing', async () => {
      const user = await newUser(t);
      const hash = await hashOf(user.id);
      for (let i = 0; i < 3; i++) {
        const res = await change(user, WRONG, ADDRESS_A);
        expect({ status: res.status, body: res.body as unknown }).toEqual({
          status: 400,
          body: { statusCode: 400, message: ['current_password is wrong'], error: 'Bad Request' },
        });
      }
      // Even the right current password is refused, unchecked, while A waits; the password stays.
      expectWait(await change(user, user.password, ADDRESS_A), 30, 'wrong passwords');
      expectWait(await change(user, WRONG, ADDRESS_A), 30, 'wrong passwords');
      expect(await hashOf(user.id)).toBe(hash);
      await t.http().get('/api/v1/auth/me').set('Authorization', user.bearer).expect(200);
      const row = await rowOf(t, keyOf(ADDRESS_A, user.username));
      expect(row?.failures).toBe(3);

      // Same keys as the login: this user's login from A waits too.
      expectWait(await attempt(t, user.username, user.password, ADDRESS_A), 30);

      // From B the user changes the password.
      const next = strongPassword();
      await change(user, user.password, ADDRESS_B, next).expect(204);
      expect(await hashOf(user.id)).not.toBe(hash);
      await login(t, user.username, next);
    });

    it('wrong current passwords count on the address too', async () => {
      const user = await newUser(t);
      await change(user, WRONG, ADDRESS_B).expect(400);
      expect((await rowOf(t, keyOf(ADDRESS_B)))?.failures).toBe(1);
      expect((await rowOf(t, keyOf(ADDRESS_B, user.username)))?.failures).toBe(1);
    });
  });

  describe('TRUST_PROXY: the address the throttle counts', () => {
    /** The address keys a failed login with this X-Forwarded-For lands on, in an app with this TRUST_PROXY. */
    async function countedAddress(trustProxy: string, forwardedFor: string): Promise<string[]> {
      const t = await createTestApp({ env: { TRUST_PROXY: trustProxy } });
      try {
        await fail(t, uniqueName('someone'), 1, forwardedFor);
        const rows = await failureRows(t, `key NOT LIKE '%|user:%'`);
        const audit = await query<{ description: string }>(
          t,
          `SELECT description FROM audit_logs WHERE event = 'login_failed'`,
        );
        expect(audit).toHaveLength(1);
        return [...rows.map((row) => row.key), audit[0].description.replace(/: unknown username$/, '')];
      } finally {
        await t.close();
      }
    }

    it.each([
      ['false', '198.51.100.1, 203.0.113.7', '127.0.0.1'],
      ['1', '198.51.100.1, 203.0.113.7', '203.0.113.7'],
      ['2', '198.51.100.1, 203.0.113.7', '198.51.100.1'],
      ['10.0.0.0/8,127.0.0.0/8', '198.51.100.9, 203.0.113.7, 10.1.2.3', '203.0.113.7'],
      ['loopback,10.0.0.0/8,203.0.113.0/24', '198.51.100.9, 203.0.113.7, 10.1.2.3', '198.51.100.9'],
      // The peer (127.0.0.1) is no trusted proxy: whatever it claims, the throttle counts the peer.
      ['10.0.0.0/8', '198.51.100.9', '127.0.0.1'],
    ])('TRUST_PROXY=%s, X-Forwarded-For: %s → %s', async (trustProxy, forwardedFor, counted) => {
      const [key, described] = await countedAddress(trustProxy, forwardedFor);
      expect(key).toBe(keyOf(counted));
      expect(described).toMatch(new RegExp(`^failed login from (::ffff:)?${counted.replace(/\./g, '\\.')}$`));
    });

    it('a client that is no trusted proxy cannot dodge the limits by making up X-Forwarded-For', async () => {
      const t = await createTestApp({
        env: {
          ...throttleEnv({ perUserAddress: 3, perAddress: 10_000, baseSeconds: 30, maxSeconds: 600 }),
          TRUST_PROXY: '10.0.0.0/8',
        },
      });
      try {
        for (let i = 0; i < 3; i++) await fail(t, 'admin', 1, `192.0.2.${i + 1}`);
        expectWait(await attempt(t, 'admin', TEST_ADMIN.password, '192.0.2.99'), 30);
        expect((await failureRows(t)).map((row) => row.key)).toEqual([keyOf('127.0.0.1'), keyOf('127.0.0.1', 'admin')]);
      } finally {
        await t.close();
      }
    });
  });

  describe('across instances (two apps on one database)', () => {
    let sharedDb: TestDatabase;
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      sharedDb = await createTestDatabase();
      const env = throttleEnv({ perUserAddress: 3, perAddress: 10_000, baseSeconds: 30, maxSeconds: 600 });
      first = await createTestApp({ database: sharedDb, env });
      second = await createTestApp({ database: sharedDb, env });
    });
    afterAll(async () => {
      await first?.close();
      await second?.close();
      await sharedDb?.drop();
    });

    it('shares the counters: 3 failures from A alternating between the instances make A wait on both', async () => {
      const user = await newUser(first);
      await fail(first, user.username, 1, ADDRESS_A);
      await fail(second, user.username, 1, ADDRESS_A);
      expect((await rowOf(first, keyOf(ADDRESS_A, user.username)))?.failures).toBe(2);
      await fail(first, user.username, 1, ADDRESS_A);

      expectWait(await attempt(second, user.username, user.password, ADDRESS_A), 30);
      expectWait(await attempt(first, user.username, user.password, ADDRESS_A), 30);
      expect((await attempt(second, user.username, user.password, ADDRESS_B)).status).toBe(200);
      expect(await waitOf(second, keyOf(ADDRESS_A, user.username))).toBeGreaterThan(25);
    });
  });
});
