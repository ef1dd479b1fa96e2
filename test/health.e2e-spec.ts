import { loginAdmin, newUser, type Actor } from './support/actors.js';
import { adminQuery } from './support/test-database.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Cuts the app off its database: no new connections allowed, every open one terminated. */
async function takeDatabaseAway(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
}

async function bringDatabaseBack(name: string): Promise<void> {
  await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
}

const METRICS_TOKEN = 'health-scrape-token-0123456789';

describe('GET /health', () => {
  let t: TestApp;
  let admin: Actor;
  let viewer: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN } });
    admin = await loginAdmin(t);
    viewer = await newUser(t, { roles: ['viewer'] });
  });
  afterAll(async () => {
    await bringDatabaseBack(t.database.name);
    await t.close();
  });

  it('is public and answers 200 with the database up', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', db: 'up', version: expect.any(String) });
  });

  it("shows no host name or pid without a token, nor to a non-admin's or a bad token", async () => {
    for (const authorization of [undefined, viewer.bearer, 'Bearer not-a-token', `Bearer ${METRICS_TOKEN}x`]) {
      const request = t.http().get('/health');
      const res = await (authorization ? request.set('Authorization', authorization) : request).expect(200);
      expect({ authorization, instance: res.body.instance }).toEqual({
        authorization,
        instance: { id: expect.any(String) },
      });
      expect(JSON.stringify(res.body)).not.toContain(String(process.pid));
    }
  });

  it("shows the instance's host name and pid to an admin and to the METRICS_TOKEN bearer", async () => {
    for (const authorization of [admin.bearer, `Bearer ${METRICS_TOKEN}`]) {
      const res = await t.http().get('/health').set('Authorization', authorization).expect(200);
      expect(res.body.instance).toEqual({ id: expect.any(String), hostname: expect.any(String), pid: process.pid });
    }
  });

  it('answers 503 with db "down" while the database is unreachable, and 200 again once it is back', async () => {
    await takeDatabaseAway(t.database.name);
    const down = await t.http().get('/health').expect(503);
    expect(down.body).toMatchObject({ statusCode: 503, status: 'error', db: 'down' });
    expect(down.body.details.database.status).toBe('down');

    // the pool lost its connections under it; the process must not have crashed
    const again = await t.http().get('/health').expect(503);
    expect(again.body.db).toBe('down');

    await bringDatabaseBack(t.database.name);
    const up = await t.http().get('/health').expect(200);
    expect(up.body).toMatchObject({ status: 'ok', db: 'up' });
  });
});
