import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort, occupyPort } from './support/ports.js';
import { isAlive, SpawnedServer } from './support/spawned-server.js';
import { createTestDatabase } from './support/test-database.js';

const CLUSTER_CREATED = 'Creating the embedded PostgreSQL cluster';

function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

async function withEmbeddedClient<T>(dataDir: string, port: number, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const password = readFileSync(path.join(dataDir, 'postgres.password'), 'utf8').trim();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'cronwarden' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A failed start says what is wrong in exactly one error line, without a stack trace. */
function expectOneCleanErrorLine(server: SpawnedServer, mentions: string): void {
  const errors = server.lines().filter((line) => (line.level ?? 0) >= 50);
  expect(errors).toHaveLength(1);
  expect(errors[0].msg).toContain(mentions);
  expect(server.output()).not.toMatch(/^\s+at /m);
}

describe('npm start with the embedded PostgreSQL (real processes)', () => {
  let workDir: string;
  let dataDir: string;
  let env: Record<string, string>;
  let baseUrl: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-start-'));
    await chmod(workDir, 0o755);
    dataDir = path.join(workDir, 'data');
    const [httpPort, pgPort] = [await freePort(), await freePort()];
    env = { PORT: String(httpPort), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir };
    baseUrl = `http://127.0.0.1:${httpPort}`;
  });
  afterAll(async () => {
    const pid = postmasterPid(dataDir);
    if (pid && isAlive(pid)) process.kill(pid, 'SIGQUIT');
    await rm(workDir, { recursive: true, force: true });
  });

  it('first start creates the cluster and serves /health; SIGTERM closes HTTP, the pool, then PostgreSQL', async () => {
    const server = new SpawnedServer(env, workDir);
    await server.waitForHealth(baseUrl);
    expect(server.messages()).toContain(`${CLUSTER_CREATED} in ${dataDir}/postgres (first start only)`);
    const pgPid = postmasterPid(dataDir);
    expect(pgPid && isAlive(pgPid)).toBeTruthy();
    await withEmbeddedClient(dataDir, Number(env.EMBEDDED_PG_PORT), (client) =>
      client.query(`INSERT INTO app_settings (key, value) VALUES ('test_marker', 'kept')`),
    );
    // the first admin's generated password is printed once, and it works
    const announcement = server.messages().find((message) => message.includes('with the generated password: '));
    const password = announcement?.match(/generated password: (\S+)/)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);

    server.stop('SIGTERM');
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    const messages = server.messages();
    const order = [
      'SIGTERM received: stopping',
      'HTTP server and database pool closed',
      'Stopped the embedded PostgreSQL',
      'Stopped',
    ].map((message) => messages.indexOf(message));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(isAlive(pgPid!)).toBe(false);
    expect(postmasterPid(dataDir)).toBeUndefined();
  });

  it('second start reuses the data folder: no new cluster, rows and generated secret kept', async () => {
    const secret = readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8');
    const server = new SpawnedServer(env, workDir);
    await server.waitForHealth(baseUrl);
    expect(server.messages().some((message) => message.startsWith(CLUSTER_CREATED))).toBe(false);
    expect(server.messages().some((message) => message.includes('generated password'))).toBe(false);
    const { rows } = await withEmbeddedClient(dataDir, Number(env.EMBEDDED_PG_PORT), (client) =>
      client.query<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'test_marker'`),
    );
    expect(rows).toEqual([{ value: 'kept' }]);
    expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
    const report = server.lines().find((line) => line.msg?.startsWith('Effective configuration'));
    expect(report?.msg).toContain('JWT secret: generated once, kept in DATA_DIR/jwt-secret');
    expect(JSON.stringify(report)).not.toContain(secret.trim());

    server.stop('SIGINT');
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(postmasterPid(dataDir)).toBeUndefined();
  });

  it('through `npm start`, a SIGTERM sent to npm reaches the server, which stops cleanly', async () => {
    const server = new SpawnedServer(env, workDir, true);
    await server.waitForHealth(baseUrl);
    const pgPid = postmasterPid(dataDir)!;
    server.stop('SIGTERM');
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.messages()).toContain('Stopped');
    expect(isAlive(pgPid)).toBe(false);
  });

  it('after a kill -9, the next start replaces the PostgreSQL left behind', async () => {
    const crashed = new SpawnedServer(env, workDir);
    await crashed.waitForHealth(baseUrl);
    const orphan = postmasterPid(dataDir)!;
    crashed.stop('SIGKILL');
    await crashed.waitForExit();
    expect(isAlive(orphan)).toBe(true);

    const server = new SpawnedServer(env, workDir);
    await server.waitForHealth(baseUrl);
    expect(server.messages()).toContain(
      `Stopping the embedded PostgreSQL (pid ${orphan}) left running by an earlier run`,
    );
    expect(isAlive(orphan)).toBe(false);
    server.stop();
    expect((await server.waitForExit()).code).toBe(0);
  });

  it('a busy PORT gives one clear error line, exit code 1, and stops the PostgreSQL it started', async () => {
    const busy = await occupyPort();
    try {
      const server = new SpawnedServer({ ...env, PORT: String(busy.port) }, workDir);
      expect(await server.waitForExit()).toEqual({ code: 1, signal: null });
      expectOneCleanErrorLine(server, `PORT ${busy.port} on 127.0.0.1 is already in use`);
      await sleep(100);
      expect(postmasterPid(dataDir)).toBeUndefined();
    } finally {
      await busy.close();
    }
  });

  it('a busy EMBEDDED_PG_PORT gives one clear error line and exit code 1', async () => {
    const busy = await occupyPort();
    try {
      const server = new SpawnedServer({ ...env, EMBEDDED_PG_PORT: String(busy.port) }, workDir);
      expect(await server.waitForExit()).toEqual({ code: 1, signal: null });
      expectOneCleanErrorLine(server, `EMBEDDED_PG_PORT ${busy.port} is already in use`);
    } finally {
      await busy.close();
    }
  });

  it('an unwritable DATA_DIR gives one clear error line and exit code 1', async () => {
    const file = path.join(workDir, 'not-a-folder');
    writeFileSync(file, 'x');
    const server = new SpawnedServer({ ...env, DATA_DIR: path.join(file, 'data') }, workDir);
    expect(await server.waitForExit()).toEqual({ code: 1, signal: null });
    expectOneCleanErrorLine(server, `DATA_DIR ${file}/data is not a writable folder`);
  });

  it('a wrong configuration value stops start-up with a message naming the variable', async () => {
    const server = new SpawnedServer({ ...env, PORT: 'eighty', TIMEZONE: 'Moon/Base' }, workDir);
    expect(await server.waitForExit()).toEqual({ code: 1, signal: null });
    expect(server.output().trim().split('\n')).toEqual([
      'cronwarden: Invalid configuration: PORT="eighty" is not valid: expected an integer from 1 to 65535; ' +
        'TIMEZONE="Moon/Base" is not valid: expected an IANA time zone name such as UTC or Europe/Berlin',
    ]);
  });
});

describe('start-up checks that need the database (real processes)', () => {
  it.each([
    [{ DEFAULT_ROLE: 'nobody' }, 'DEFAULT_ROLE="nobody" is not a role: name an existing role'],
    [{ ADMIN_PASSWORD: 'password1234' }, 'ADMIN_PASSWORD is too common; choose another'],
  ])('%p stops start-up with one clear line and exit code 1', async (extraEnv, message) => {
    const db = await createTestDatabase();
    const workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-bad-'));
    try {
      const server = new SpawnedServer(
        { PORT: String(await freePort()), DATABASE_URL: db.url, DATA_DIR: path.join(workDir, 'data'), ...extraEnv },
        workDir,
      );
      expect(await server.waitForExit()).toEqual({ code: 1, signal: null });
      expectOneCleanErrorLine(server, message);
    } finally {
      await db.drop();
      await rm(workDir, { recursive: true, force: true });
    }
  });
});

describe('npm start with DATABASE_URL (real process)', () => {
  it('uses that server, starts no PostgreSQL, and keeps the generated JWT secret in the database', async () => {
    const db = await createTestDatabase();
    const workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-ext-'));
    const port = await freePort();
    const server = new SpawnedServer(
      { PORT: String(port), DATABASE_URL: db.url, DATA_DIR: path.join(workDir, 'data') },
      workDir,
    );
    try {
      await server.waitForHealth(`http://127.0.0.1:${port}`);
      expect(server.messages().some((message) => message.includes('embedded PostgreSQL'))).toBe(false);
      expect(existsSync(path.join(workDir, 'data', 'postgres'))).toBe(false);
      const client = new pg.Client({ connectionString: db.url });
      client.on('error', () => undefined);
      await client.connect();
      const { rows } = await client.query(`SELECT length(value) AS length FROM app_settings WHERE key = 'jwt_secret'`);
      await client.end();
      expect(rows).toEqual([{ length: 64 }]);
      const report = server.lines().find((line) => line.msg?.startsWith('Effective configuration'));
      expect(JSON.stringify(report)).toContain('postgres://postgres:*****@127.0.0.1');
    } finally {
      server.stop();
      await server.waitForExit();
      await db.drop();
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
