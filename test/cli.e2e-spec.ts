import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { login, loginAdmin, strongPassword } from './support/actors.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const CLI = path.resolve(import.meta.dirname, '..', 'dist', 'src', 'cli.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The operator CLI as a real process against the test app's database. */
function cli(t: TestApp, args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: t.database.url, BCRYPT_COST: '4', LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
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

  it('list-users lists users with state and roles', async () => {
    const result = await cli(t, ['list-users']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('admin\tactive\tadmin\n');
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
