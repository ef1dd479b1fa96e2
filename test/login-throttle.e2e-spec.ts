import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Response } from 'supertest';
import { login, newUser, uniqueName, type Actor } from './support/actors.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const INVALID_LOGIN = { statusCode: 401, message: 'Invalid username or password', error: 'Unauthorized' };
const LOCKOUT_SECONDS = 2;
const WRONG = 'definitely-not-the-password';

interface FailureRow {
  key: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
}

/** The login_failures rows of a test app's database. */
async function failureRows(t: TestApp, where = 'true', params: unknown[] = []): Promise<FailureRow[]> {
  const client = new pg.Client({ connectionString: t.database.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<FailureRow>(
      `SELECT key, failures, window_started_at, locked_until FROM login_failures WHERE ${where} ORDER BY key`,
      params,
    );
    return rows;
  } finally {
    await client.end();
  }
}

const userRow = async (t: TestApp, username: string): Promise<FailureRow | undefined> =>
  (await failureRows(t, 'key = $1', [`user:${username.toLowerCase()}`]))[0];

const attempt = (t: TestApp, username: string, password: string): Promise<Response> =>
  t.http().post('/api/v1/auth/login').send({ username, password });

/** `count` wrong passwords in a row, each answered with the ordinary 401. */
async function fail(t: TestApp, username: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await attempt(t, username, WRONG);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID_LOGIN);
  }
}

/** Asserts the documented 429 and returns its Retry-After in seconds. */
function expectLocked(res: Response, lockoutSeconds = LOCKOUT_SECONDS): number {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ statusCode: 429, message: expect.any(String), error: 'Too Many Requests' });
  expect(res.body).not.toHaveProperty('access_token');
  const header = res.headers['retry-after'];
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(lockoutSeconds);
  return seconds;
}

/** Waits until a lock that answered `retryAfter` seconds has certainly run out. */
const waitOut = (retryAfter: number) => sleep(retryAfter * 1000 + 250);

function throttleEnv(perIp: number): Record<string, string> {
  return {
    LOGIN_MAX_FAILURES_PER_USER: '3',
    LOGIN_MAX_FAILURES_PER_IP: String(perIp),
    LOGIN_FAILURE_WINDOW_SECONDS: '60',
    LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
  };
}

describe('login throttle', () => {
  describe('per username (3 failures, 2 s lockout)', () => {
    let t: TestApp;

    beforeAll(async () => {
      // Every request comes from 127.0.0.1: the per-address limit is kept out of the way here.
      t = await createTestApp({ env: throttleEnv(10_000) });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('locks the username after 3 wrong passwords: the 4th attempt is 429 with Retry-After, even with the correct password', async () => {
      const user = await newUser(t);
      await fail(t, user.username, 3);

      const row = await userRow(t, user.username);
      expect(row).toBeDefined();
      expect(row!.locked_until).not.toBeNull();
      expect(row!.locked_until!.getTime()).toBeGreaterThan(Date.now());
      expect(row!.locked_until!.getTime()).toBeLessThanOrEqual(Date.now() + LOCKOUT_SECONDS * 1000 + 1000);

      const correct = await attempt(t, user.username, user.password);
      expectLocked(correct);
      expect(correct.body.message).toMatch(/try again/i);
      expectLocked(await attempt(t, user.username, WRONG));

      // No login happened, and the lock is for that username only (the address is not locked).
      const client = new pg.Client({ connectionString: t.database.url });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const { rows } = await client.query<{ count: string }>(
          `SELECT count(*) AS count FROM audit_logs WHERE event = 'login' AND user_id = $1`,
          [user.id],
        );
        expect(Number(rows[0].count)).toBe(1); // the one newUser() made
      } finally {
        await client.end();
      }
      expect((await attempt(t, TEST_ADMIN.username, TEST_ADMIN.password)).status).toBe(200);
    });

    it('counts usernames case-insensitively', async () => {
      const user = await newUser(t);
      await fail(t, user.username.toUpperCase(), 1);
      await fail(t, user.username, 1);
      await fail(t, `${user.username[0].toUpperCase()}${user.username.slice(1)}`, 1);
      expectLocked(await attempt(t, user.username, user.password));
      expect((await failureRows(t, 'key ILIKE $1', [`user:${user.username}`])).length).toBe(1);
    });

    it('locks an unknown username the same way, with a response identical to a known user’s (no enumeration)', async () => {
      const known = await newUser(t);
      const unknown = uniqueName('ghost');
      await fail(t, known.username, 3);
      await fail(t, unknown, 3);

      const knownLocked = await attempt(t, known.username, known.password);
      const unknownLocked = await attempt(t, unknown, known.password);
      expectLocked(knownLocked);
      expectLocked(unknownLocked);
      expect(unknownLocked.body).toEqual(knownLocked.body);
      expect(unknownLocked.headers['retry-after']).toBe(knownLocked.headers['retry-after']);
      expect(unknownLocked.headers['content-type']).toBe(knownLocked.headers['content-type']);

      const row = await userRow(t, unknown);
      expect(row?.locked_until?.getTime()).toBeGreaterThan(Date.now());
    });

    it('is time-based: after the lockout the correct password works and the count starts afresh', async () => {
      const succeeds = await newUser(t);
      const keepsFailing = await newUser(t);
      await fail(t, succeeds.username, 3);
      await fail(t, keepsFailing.username, 3);
      const retryAfter = Math.max(
        expectLocked(await attempt(t, succeeds.username, succeeds.password)),
        expectLocked(await attempt(t, keepsFailing.username, keepsFailing.password)),
      );

      await waitOut(retryAfter);

      // The correct password works again, and clears the username's count.
      await login(t, succeeds.username, succeeds.password);
      expect(await userRow(t, succeeds.username)).toBeUndefined();

      // Without a success, the count also starts from zero: it takes 3 new failures to lock again.
      await fail(t, keepsFailing.username, 1);
      const afresh = await userRow(t, keepsFailing.username);
      expect(afresh).toBeDefined();
      expect(afresh!.failures).toBe(1);
      expect(afresh!.locked_until === null || afresh!.locked_until.getTime() <= Date.now()).toBe(true);
      await fail(t, keepsFailing.username, 2);
      expectLocked(await attempt(t, keepsFailing.username, keepsFailing.password));
    });

    it('a successful login resets the username’s count (2 failures, success, 2 failures: not locked)', async () => {
      const user = await newUser(t);
      await fail(t, user.username, 2);
      expect((await userRow(t, user.username))?.failures).toBe(2);

      await login(t, user.username, user.password);
      expect(await userRow(t, user.username)).toBeUndefined();

      await fail(t, user.username, 2);
      expect((await userRow(t, user.username))?.failures).toBe(2);
      await login(t, user.username, user.password);
    });

    it('simultaneous wrong passwords cannot exceed the limit: at most 3 are checked, the rest get 429', async () => {
      const user = await newUser(t);
      const results = await Promise.all(Array.from({ length: 20 }, () => attempt(t, user.username, WRONG)));
      const statuses = results.map((res) => res.status);
      expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(3);
      expectLocked(await attempt(t, user.username, user.password));
    });
  });

  describe('per client address (5 failures)', () => {
    let t: TestApp;
    let user: Actor;

    beforeAll(async () => {
      t = await createTestApp({ env: throttleEnv(5) });
      user = await newUser(t);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('failures spread over 5 usernames lock the address: the 6th attempt, for yet another username, is 429', async () => {
      for (let i = 0; i < 5; i++) await fail(t, uniqueName('spray'), 1);

      const ip = await failureRows(t, `key LIKE 'ip:%'`);
      expect(ip).toHaveLength(1);
      expect(ip[0].locked_until?.getTime()).toBeGreaterThan(Date.now());
      // No single username reached its own limit.
      const users = await failureRows(t, `key LIKE 'user:%'`);
      expect(users).toHaveLength(5);
      expect(users.every((row) => row.failures === 1 && row.locked_until === null)).toBe(true);

      expectLocked(await attempt(t, uniqueName('spray'), WRONG));
      // The whole address is locked, so even a valid login from it waits.
      expectLocked(await attempt(t, user.username, user.password));
      expect(await failureRows(t, `key LIKE 'user:%'`)).toHaveLength(5);
    });

    it('unlocks after the lockout, and a successful login does not reset the address count', async () => {
      const retryAfter = expectLocked(await attempt(t, user.username, user.password));
      await waitOut(retryAfter);

      await fail(t, uniqueName('spray'), 2);
      await login(t, user.username, user.password);
      await fail(t, uniqueName('spray'), 3);
      expectLocked(await attempt(t, uniqueName('spray'), WRONG));
    });
  });

  describe('across instances (two apps on one database)', () => {
    let sharedDb: TestDatabase;
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      sharedDb = await createTestDatabase();
      first = await createTestApp({ database: sharedDb, env: throttleEnv(10_000) });
      second = await createTestApp({ database: sharedDb, env: throttleEnv(10_000) });
    });
    afterAll(async () => {
      await first?.close();
      await second?.close();
      await sharedDb?.drop();
    });

    it('shares the counters: 3 failures alternating between the instances lock the username on both', async () => {
      const user = await newUser(first);
      await fail(first, user.username, 1);
      await fail(second, user.username, 1);
      expect((await userRow(first, user.username))?.failures).toBe(2);
      await fail(first, user.username, 1);

      expectLocked(await attempt(second, user.username, user.password));
      expectLocked(await attempt(first, user.username, user.password));
      const rows = await failureRows(second, `key LIKE 'user:%'`);
      expect(rows).toHaveLength(1);
      expect(rows[0].locked_until?.getTime()).toBeGreaterThan(Date.now());
    });
  });
});
