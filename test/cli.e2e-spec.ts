import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MIGRATIONS } from '../migrations/index.js';
import { login, loginAdmin, strongPassword } from './support/actors.js';
import { freePort } from './support/ports.js';
import { postmasterPid } from './support/postgres-processes.js';
import { SpawnedServer } from './support/spawned-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase } from './support/test-database.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The operator CLI as a real process, by default against the test app's database. */
function cli(t: TestApp | undefined, args: string[], stdin?: string, env?: Record<string, string>): Promise<CliResult> {
  return run(
    process.execPath,
    [CLI, ...args],
    {
      PATH: process.env.PATH ?? '',
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
      ...(t ? { DATABASE_URL: t.database.url } : {}),
      ...env,
    },
    stdin,
  );
}

function run(
  file: string,
  args: string[],
  env: Record<string, string>,
  stdin?: string,
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

interface UserJson {
  id: string;
  username: string;
  email: string | null;
  is_active: boolean;
  roles: string[];
  created_time: string;
  last_login: string | null;
}

describe('npm run cli (operator commands without the API)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('create-user creates a user with roles and prints a generated password that logs in', async () => {
    const result = await cli(t, ['create-user', 'carol', '--role', 'job_manager', '--email', 'carol@example.com']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [first, second] = result.stdout.trim().split('\n');
    expect(first).toBe('Created user carol (roles: job_manager)');
    const password = second.replace(/^Password: /, '');
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const carol = await login(t, 'carol', password);
    const me = await t.http().get('/api/v1/auth/me').set('Authorization', carol.bearer).expect(200);
    expect(me.body).toMatchObject({ username: 'carol', email: 'carol@example.com', roles: ['job_manager'] });
  });

  it('reset-password takes a password on stdin, revokes earlier tokens and lifts the login waits of that user', async () => {
    const first = strongPassword();
    await cli(t, ['create-user', 'dave', '--password-stdin'], first);
    const dave = await login(t, 'dave', first);
    const client = new pg.Client({ connectionString: t.database.url });
    client.on('error', () => undefined);
    await client.connect();
    await client.query(
      `INSERT INTO login_failures (key, failures, last_failure_at, blocked_until)
       VALUES ('ip:203.0.113.9|user:dave', 9, now(), now() + interval '1 hour'),
              ('ip:203.0.113.9|user:davey', 9, now(), now() + interval '1 hour'),
              ('ip:203.0.113.9', 9, now(), now() + interval '1 hour')`,
    );
    const next = strongPassword();
    const result = await cli(t, ['reset-password', 'DAVE', '--password-stdin'], `${next}\n`);
    expect(result).toEqual({ code: 0, stdout: 'New password set for dave; earlier tokens revoked\n', stderr: '' });
    await t.http().get('/api/v1/auth/me').set('Authorization', dave.bearer).expect(401);
    const waits = await client.query<{ key: string }>(
      `SELECT key FROM login_failures WHERE key LIKE 'ip:203.0.113.9%' ORDER BY key`,
    );
    await client.end();
    // dave's own waits go, from every address; another user's and the address's stay.
    expect(waits.rows.map((row) => row.key)).toEqual(['ip:203.0.113.9', 'ip:203.0.113.9|user:davey']);
    await login(t, 'dave', next);
  });

  it('grant-admin, disable-user and enable-user change the account, each audited as cli:<os user>', async () => {
    await cli(t, ['create-user', 'erin', '--password-stdin'], strongPassword());
    expect((await cli(t, ['grant-admin', 'erin'])).stdout).toBe('erin now has the roles: admin, viewer\n');
    expect((await cli(t, ['disable-user', 'erin'])).stdout).toBe('erin is disabled\n');
    expect((await cli(t, ['enable-user', 'erin'])).stdout).toBe('erin is enabled\n');
    const admin = await loginAdmin(t);
    const logs = await t.http().get('/api/v1/logs?event=user_modified').set('Authorization', admin.bearer).expect(200);
    const entries = logs.body.logs as Array<{ description: string; user: string; user_id: string | null }>;
    const erin = entries.filter((log) => log.description.startsWith('user erin'));
    expect(erin.map((log) => [log.user.startsWith('cli:'), log.user_id])).toEqual([
      [true, null],
      [true, null],
      [true, null],
    ]);
  });

  it('list-users prints a table with a header line: users with their state and roles', async () => {
    const result = await cli(t, ['list-users']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^USERNAME +STATE +ROLES$/);
    const column = lines[0].indexOf('STATE');
    const admin = lines.find((line) => line.startsWith('admin '));
    expect(admin).toMatch(/^admin +active +admin$/);
    expect(admin!.indexOf('active')).toBe(column);
    expect(lines.find((line) => line.startsWith('carol '))).toMatch(/^carol +active +job_manager$/);
  });

  it('--json prints the users as JSON, as the database holds them', async () => {
    const result = await cli(t, ['list-users', '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const users = JSON.parse(result.stdout) as UserJson[];
    const client = new pg.Client({ connectionString: t.database.url });
    client.on('error', () => undefined);
    await client.connect();
    const stored = await client.query<{ id: string; username: string; is_active: boolean }>(
      'SELECT id, username, is_active FROM users ORDER BY username',
    );
    await client.end();
    expect(users.map((user) => ({ id: user.id, username: user.username, is_active: user.is_active }))).toEqual(
      stored.rows,
    );
    expect(users.find((user) => user.username === 'carol')).toEqual({
      id: expect.any(String),
      username: 'carol',
      email: 'carol@example.com',
      is_active: true,
      roles: ['job_manager'],
      created_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      last_login: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const created = await cli(t, ['create-user', 'gina', '--role', 'viewer', '--json']);
    expect(JSON.parse(created.stdout)).toEqual({ username: 'gina', roles: ['viewer'], password: expect.any(String) });
  });

  it('--database-url wins over DATABASE_URL and DATA_DIR', async () => {
    const result = await cli(undefined, ['list-users', '--json', '--database-url', t.database.url], undefined, {
      DATABASE_URL: 'postgres://nobody:wrong@127.0.0.1:1/none',
      DATA_DIR: path.join(tmpdir(), 'cronwarden-cli-never-made'),
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(result.stdout) as UserJson[]).map((user) => user.username)).toContain('carol');
  });

  it('fails with one line and exit code 1 for a bad password, an unknown user or command', async () => {
    expect(await cli(t, ['create-user', 'frank', '--password-stdin'], 'short')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'cronwarden: password must be at least 12 characters long\n',
    });
    expect(await cli(t, ['reset-password', 'nobody'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'cronwarden: No user named nobody\n',
    });
    const unknown = await cli(t, ['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n')[0]).toBe('cronwarden: unknown command frobnicate');
  });

  it('refuses to disable the last active admin', async () => {
    expect((await cli(t, ['disable-user', 'erin'])).code).toBe(0); // erin was made admin above
    const result = await cli(t, ['disable-user', 'admin']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/last active admin/);
  });
});

describe('the CLI opens an existing database and never creates one', () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-cli-'));
    await chmod(workDir, 0o755);
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it.each([
    ['DATA_DIR', (dir: string) => ({ args: [], env: { DATA_DIR: dir } })],
    ['--data-dir', (dir: string) => ({ args: ['--data-dir', dir], env: {} })],
  ])('refuses a %s without a database, says which folder it tried and how to point it elsewhere', async (_, how) => {
    const missing = path.join(workDir, 'no-such-data');
    const { args, env } = how(missing);
    const result = await cli(undefined, ['list-users', ...args], undefined, env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `cronwarden: No Cronwarden database in DATA_DIR ${missing}: ${missing} does not exist. The CLI opens an ` +
        'existing database and never creates one: point it at the folder the server uses with --data-dir <path> ' +
        '(or DATA_DIR), or at an external PostgreSQL with --database-url <url> (or DATABASE_URL); npm start ' +
        'creates a new one.\n',
    );
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses an empty DATA_DIR folder, and leaves it empty', async () => {
    const empty = path.join(workDir, 'empty');
    await mkdir(empty);
    const result = await cli(undefined, ['list-users', '--data-dir', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `No Cronwarden database in DATA_DIR ${empty}: ${empty}/postgres holds no PostgreSQL cluster`,
    );
    expect(readdirSync(empty)).toEqual([]);
  });

  it('refuses a DATABASE_URL without the schema and creates nothing in it', async () => {
    const db = await createTestDatabase({ empty: true });
    try {
      const result = await cli(undefined, ['list-users'], undefined, { DATABASE_URL: db.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^cronwarden: DATABASE_URL postgres:\/\/[^:]+:\*{5}@127\.0\.0\.1:\d+\/\S+ holds no Cronwarden schema \(no migrations table\)/,
      );
      expect(result.stderr).not.toContain(new URL(db.url).password);
      const client = new pg.Client({ connectionString: db.url });
      client.on('error', () => undefined);
      await client.connect();
      const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      await client.end();
      expect(tables.rows).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('refuses a database whose schema is older than this version (migrations pending)', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const latest = MIGRATIONS.at(-1)!.name;
      await client.query('DELETE FROM migrations WHERE name = $1', [latest]);
      const result = await cli(undefined, ['list-users'], undefined, { DATABASE_URL: db.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`is older than this version (1 migration(s) pending: ${latest})`);
      const left = await client.query('SELECT 1 FROM migrations WHERE name = $1', [latest]);
      expect(left.rows).toEqual([]);
    } finally {
      await client.end();
      await db.drop();
    }
  });

  it("--data-dir opens the embedded PostgreSQL of a server's DATA_DIR, winning over DATABASE_URL", async () => {
    const dataDir = path.join(workDir, 'data');
    const [httpPort, pgPort] = [await freePort(), await freePort()];
    const server = new SpawnedServer(
      {
        PORT: String(httpPort),
        EMBEDDED_PG_PORT: String(pgPort),
        DATA_DIR: dataDir,
        ADMIN_USERNAME: 'root',
        ADMIN_PASSWORD: strongPassword(),
        BCRYPT_COST: '4',
      },
      workDir,
    );
    try {
      await server.waitForHealth(`http://127.0.0.1:${httpPort}`);
    } finally {
      server.stop('SIGTERM');
      await server.waitForExit();
    }
    const result = await cli(undefined, ['list-users', '--json', '--data-dir', dataDir], undefined, {
      DATABASE_URL: 'postgres://nobody:wrong@127.0.0.1:1/none',
      EMBEDDED_PG_PORT: String(pgPort),
    });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as UserJson[]).map((user) => [user.username, user.roles])).toEqual([
      ['root', ['admin']],
    ]);
    // it started the server's PostgreSQL for the command and stopped it again
    expect(result.stderr).toContain(`Starting the embedded PostgreSQL on 127.0.0.1:${pgPort}`);
    expect(postmasterPid(dataDir)).toBeUndefined();
  });
});

describe('the cronwarden command (package.json bin)', () => {
  it('is the built CLI, runs by itself (shebang, executable) and needs no build step', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.bin).toEqual({ cronwarden: 'dist/src/cli.js' });
    expect(pkg.scripts.precli).toBeUndefined();
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const help = await run(CLI, ['--help'], { PATH: process.env.PATH ?? '' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npx cronwarden <command>');
    expect(help.stdout).toContain('--data-dir <path>');
  });
});
