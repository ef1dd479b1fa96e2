import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { freePort, occupyPort } from './support/ports.js';
import { isRunning, postgresProcessesOf, postmasterPid, untilPostgresGone } from './support/postgres-processes.js';
import { isAlive, type LogLine, SpawnedServer } from './support/spawned-server.js';
import { createTestDatabase } from './support/test-database.js';

const CLUSTER_CREATED = 'Creating the embedded PostgreSQL cluster';
const NOBODY = 65534;

/** Connects as `user`: the application's role (`cronwarden`, password in DATA_DIR) unless told otherwise. */
async function withEmbeddedClient<T>(
  dataDir: string,
  port: number,
  fn: (client: pg.Client) => Promise<T>,
  user: 'cronwarden' | 'postgres' = 'cronwarden',
  database = 'cronwarden',
): Promise<T> {
  const file = user === 'postgres' ? 'postgres.password' : 'postgres.app-password';
  const password = readFileSync(path.join(dataDir, file), 'utf8').trim();
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every folder and file under `dir` (itself included) with its permission bits, links skipped. */
function modesUnder(dir: string): Array<{ path: string; kind: 'dir' | 'file'; mode: string }> {
  const info = lstatSync(dir);
  const mode = (info.mode & 0o777).toString(8);
  if (info.isDirectory()) {
    return [{ path: dir, kind: 'dir', mode }, ...readdirSync(dir).flatMap((name) => modesUnder(path.join(dir, name)))];
  }
  return info.isFile() ? [{ path: dir, kind: 'file', mode }] : [];
}

/** Runs `argv` as the unprivileged `nobody` (uid 65534, no groups). */
function asNobody(argv: string[]): { status: number | null; stderr: string } {
  const result = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', ...argv], {
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

/**
 * DATA_DIR is its owner's alone: the folder 0700 (as root, owned by the PostgreSQL user), every
 * folder under it 0700 and every file 0600 (the PostgreSQL log, the passwords, the JWT secret, the
 * cluster); another user can neither list it nor read the log.
 */
function expectClosedDataDir(dataDir: string): void {
  const entries = modesUnder(dataDir);
  expect(entries.map((entry) => path.relative(dataDir, entry.path))).toEqual(
    expect.arrayContaining([
      '',
      'postgres',
      'postgres.log',
      'postgres.password',
      'postgres.app-password',
      'jwt-secret',
    ]),
  );
  expect(entries.length).toBeGreaterThan(100); // the cluster's files are walked too
  expect(entries.filter((entry) => entry.mode !== (entry.kind === 'dir' ? '700' : '600'))).toEqual([]);
  expect(lstatSync(dataDir).uid).toBe(lstatSync(path.join(dataDir, 'postgres')).uid);

  const listing = asNobody(['ls', dataDir]);
  expect(listing.status).not.toBe(0);
  expect(listing.stderr).toContain('Permission denied');
  const log = asNobody(['cat', path.join(dataDir, 'postgres.log')]);
  expect(log.status).not.toBe(0);
  expect(log.stderr).toContain('Permission denied');
}

/** The application's role: no superuser, CREATEROLE or CREATEDB, owner of its database and of every table in it. */
async function expectOwnRole(dataDir: string, port: number): Promise<void> {
  await withEmbeddedClient(dataDir, port, async (client) => {
    const role = await client.query(
      `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
         FROM pg_roles WHERE rolname = current_user`,
    );
    expect(role.rows).toEqual([
      {
        rolname: 'cronwarden',
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolreplication: false,
        rolbypassrls: false,
      },
    ]);
    const owner = await client.query(
      `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()`,
    );
    expect(owner.rows).toEqual([{ owner: 'cronwarden' }]);
    const tables = await client.query<{ owner: string; count: number }>(
      `SELECT tableowner AS owner, count(*)::int AS count FROM pg_tables WHERE schemaname = 'public' GROUP BY 1`,
    );
    expect(tables.rows).toEqual([{ owner: 'cronwarden', count: expect.any(Number) }]);
    expect(tables.rows[0].count).toBeGreaterThan(10);
    // what only a superuser, or a role with CREATEDB/CREATEROLE, may do
    await expect(client.query(`COPY (SELECT 1) TO PROGRAM 'true'`)).rejects.toThrow(/permission denied|superuser/);
    await expect(client.query('CREATE DATABASE not_allowed')).rejects.toThrow('permission denied');
    await expect(client.query('CREATE ROLE not_allowed')).rejects.toThrow('permission denied');
  });
}

/** A pid that was a process and is not any more. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** The closing banner of start-up, once it is printed. */
async function untilBanner(server: SpawnedServer): Promise<LogLine> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const banner = server.lines().find((line) => line.msg?.startsWith('Cronwarden is ready'));
    if (banner) return banner;
    if (Date.now() > deadline) throw new Error(`no banner within 10 s; output:\n${server.output()}`);
    await sleep(100);
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
    // start-up ends with the banner: the URLs, then the first admin's generated password, printed
    // nowhere else, and nothing after it
    const banner = await untilBanner(server);
    await sleep(1_000);
    expect(banner.level).toBe(40); // warn: LOG_LEVEL=warn still shows it
    const bannerLines = banner.msg!.split('\n');
    expect(bannerLines.slice(0, 3)).toEqual([
      'Cronwarden is ready',
      `  Web UI:     ${baseUrl}/`,
      `  Swagger UI: ${baseUrl}/docs`,
    ]);
    expect(bannerLines[3]).toMatch(/^ {2}Sign in as admin; change this password after signing in/);
    const password = bannerLines.at(-1)!.match(/^ {2}Password: {3}(\S+)$/)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(server.output().split(password!)).toHaveLength(2);
    // (request logs, such as those of the /health polls above, are not start-up output)
    expect(
      server
        .lines()
        .filter((line) => line.req === undefined)
        .at(-1),
    ).toEqual(banner);
    expect(server.messages()).toContain(
      "Created the first admin 'admin' with a generated password (shown at the end of start-up)",
    );
    // the configuration: one line at info, the variables themselves only at debug
    const summary = server.lines().find((line) => line.msg?.startsWith('Configuration: '));
    expect(summary).toMatchObject({
      level: 30,
      msg: expect.stringMatching(
        /^Configuration: \d+ variables, 5 from the environment, 0 from .env; LOG_LEVEL=debug shows them$/,
      ),
    });
    expect(server.lines().some((line) => line.msg?.startsWith('Effective configuration'))).toBe(false);
    expect(server.output()).not.toContain('EMBEDDED_PG_PORT');
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

  it('DATA_DIR is closed to other users, and the app connects as a role that only owns its database', async () => {
    const server = new SpawnedServer(env, workDir);
    try {
      await server.waitForHealth(baseUrl);
      expectClosedDataDir(dataDir);
      await expectOwnRole(dataDir, Number(env.EMBEDDED_PG_PORT));
    } finally {
      server.stop('SIGTERM');
      expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    }
  });

  it('second start reuses the data folder: no new cluster, rows and generated secret kept, no password shown', async () => {
    const secret = readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8');
    const server = new SpawnedServer({ ...env, LOG_LEVEL: 'debug' }, workDir);
    await server.waitForHealth(baseUrl);
    const banner = await untilBanner(server);
    expect(banner).toMatchObject({
      level: 30,
      msg: `Cronwarden is ready\n  Web UI:     ${baseUrl}/\n  Swagger UI: ${baseUrl}/docs`,
    });
    expect(server.messages().some((message) => message.startsWith(CLUSTER_CREATED))).toBe(false);
    expect(server.messages().some((message) => /generated password|Password:/.test(message))).toBe(false);
    const { rows } = await withEmbeddedClient(dataDir, Number(env.EMBEDDED_PG_PORT), (client) =>
      client.query<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'test_marker'`),
    );
    expect(rows).toEqual([{ value: 'kept' }]);
    expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
    // LOG_LEVEL=debug shows every variable
    const report = server.lines().find((line) => line.msg?.startsWith('Effective configuration'));
    expect(report?.level).toBe(20);
    expect(report?.msg).toContain('JWT secret: generated once, kept in DATA_DIR/jwt-secret');
    expect(report?.config).toMatchObject({ EMBEDDED_PG_PORT: `${env.EMBEDDED_PG_PORT} (environment)` });
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

  it('after a kill -9 of the server, its PostgreSQL shuts down by itself within 15 s, and the next start works', async () => {
    const crashed = new SpawnedServer(env, workDir);
    await crashed.waitForHealth(baseUrl);
    const postmaster = postmasterPid(dataDir)!;
    expect(postgresProcessesOf(dataDir)).toContain(postmaster);
    crashed.stop('SIGKILL');
    expect(await crashed.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });
    const tookMs = await untilPostgresGone(dataDir, 15_000);
    expect(tookMs).toBeLessThan(15_000);
    expect(isRunning(postmaster)).toBe(false);

    const server = new SpawnedServer(env, workDir);
    await server.waitForHealth(baseUrl);
    expect(server.messages().some((message) => message.includes('left running by an earlier run'))).toBe(false);
    server.stop();
    expect((await server.waitForExit()).code).toBe(0);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
  });

  it('takes over a DATA_DIR of an older version: its PostgreSQL left running is replaced, modes closed, the database handed to its own role', async () => {
    const port = Number(env.EMBEDDED_PG_PORT);
    // The older layout: the database and its tables owned by the superuser, no application role,
    // DATA_DIR 0755 and owned by root, the log and the JWT secret readable by all.
    const older = new EmbeddedPostgres({ dataDir, port, logger: { info: () => undefined, warn: () => undefined } });
    await older.start();
    const leftover = postmasterPid(dataDir)!;
    await withEmbeddedClient(
      dataDir,
      port,
      (client) => client.query('REASSIGN OWNED BY cronwarden TO postgres; DROP OWNED BY cronwarden'),
      'postgres',
    );
    await withEmbeddedClient(dataDir, port, (client) => client.query('DROP ROLE cronwarden'), 'postgres', 'postgres');
    await rm(path.join(dataDir, 'postgres.app-password'));
    await chown(dataDir, 0, 0);
    await chmod(dataDir, 0o755);
    await chmod(path.join(dataDir, 'postgres.log'), 0o644);
    await chmod(path.join(dataDir, 'jwt-secret'), 0o644);
    // ...and left running by a server that was killed (before servers took their PostgreSQL with them)
    writeFileSync(path.join(dataDir, 'postgres.owner'), `${await deadPid()}\n`);

    const server = new SpawnedServer(env, workDir);
    try {
      await server.waitForHealth(baseUrl);
      expect(server.messages()).toEqual(
        expect.arrayContaining([
          `Stopping the embedded PostgreSQL (pid ${leftover}) left running by an earlier run`,
          'Handing the database cronwarden to its own role cronwarden (upgrade)',
          expect.stringMatching(/^Handing \d+ objects of cronwarden to its own role cronwarden$/),
        ]),
      );
      expect(isRunning(leftover)).toBe(false);
      expectClosedDataDir(dataDir);
      await expectOwnRole(dataDir, port);
      const { rows } = await withEmbeddedClient(dataDir, port, (client) =>
        client.query<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'test_marker'`),
      );
      expect(rows).toEqual([{ value: 'kept' }]);
    } finally {
      server.stop();
      expect((await server.waitForExit()).code).toBe(0);
      await older.stop(); // nothing left to stop: the server replaced it
    }
    expect(postgresProcessesOf(dataDir)).toEqual([]);
  });

  it.each([
    ['PORT', (port: number) => `PORT ${port} on 127.0.0.1 is already in use: set PORT to a free port`],
    [
      'EMBEDDED_PG_PORT',
      (port: number) =>
        `EMBEDDED_PG_PORT ${port} is already in use by another program: set EMBEDDED_PG_PORT to a free port, ` +
        'or DATABASE_URL to use an existing PostgreSQL',
    ],
  ])(
    'a busy %s is found before anything is created: one clear line naming it, exit code 1, no DATA_DIR, no password',
    async (variable, message) => {
      const busy = await occupyPort();
      const freshDataDir = path.join(workDir, `never-created-${variable}`);
      try {
        const server = new SpawnedServer(
          { ...env, DATA_DIR: freshDataDir, ADMIN_USERNAME: 'root', [variable]: String(busy.port) },
          workDir,
        );
        expect(await server.waitForExit()).toEqual({ code: 1, signal: null });
        expectOneCleanErrorLine(server, message(busy.port));
        expect(server.lines().filter((line) => (line.level ?? 0) >= 50)[0].msg).toBe(message(busy.port));
        expect(existsSync(freshDataDir)).toBe(false);
        expect(server.output()).not.toMatch(/embedded PostgreSQL|first admin|Password|Cronwarden is ready/);
        await sleep(100);
        expect(postmasterPid(dataDir)).toBeUndefined();
      } finally {
        await busy.close();
      }
    },
  );

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
      { PORT: String(port), DATABASE_URL: db.url, DATA_DIR: path.join(workDir, 'data'), LOG_LEVEL: 'debug' },
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
      expect(report?.level).toBe(20);
      expect(JSON.stringify(report)).toContain('postgres://postgres:*****@127.0.0.1');
    } finally {
      server.stop();
      await server.waitForExit();
      await db.drop();
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
