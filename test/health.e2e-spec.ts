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

describe('GET /health', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await bringDatabaseBack(t.database.name);
    await t.close();
  });

  it('is public and answers 200 with the database up', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', db: 'up', version: expect.any(String) });
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
