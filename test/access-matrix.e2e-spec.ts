/**
 * Access matrix: every endpoint that exists today × every kind of caller → the HTTP status that
 * API.md promises. Mutating rows get a fresh target (or a fresh session / fresh user) per caller,
 * created by the admin in the row's `setup()`, so rows never interfere with each other; for the
 * callers that are refused, the target is real, so the 403 proves the permission check (not a 404).
 *
 * Jobs and executions: the target is a job of the caller's OWN (the admin creates it with `owner_id`
 * set to the caller, so the caller needs nothing but the permission under test), or, in the rows
 * marked "(another user's …)", a job of a third user: hidden (404) from callers without `view_all`,
 * read-only (403 on every action) for a `view_all` caller, open to the admin. Refused calls must leave
 * the job, its executions and its audit entries exactly as they were (read from the database).
 *
 * Then: the documented check order (401 → 403 → 404 → 400) and the read-only audit log.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Response } from 'supertest';
import { login, loginAdmin, newRole, newUser, strongPassword, uniqueName, type Actor } from './support/actors.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const CALLERS = [
  'anonymous',
  'admin',
  'job_manager',
  'viewer',
  'auditor',
  'user_admin',
  'no_role',
  'code_runner',
  'supervisor',
] as const;
type Caller = (typeof CALLERS)[number];
type SignedIn = Exclude<Caller, 'anonymous'>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Custom roles created in beforeAll (besides the seeded admin, job_manager and viewer). */
const AUDITOR_PERMISSIONS = ['audit_view', 'view_all'];
const USER_ADMIN_PERMISSIONS = ['user_manage', 'job_view'];
/** May create jobs of every class (ShellJob too), but not change, delete, pause, resume or run them. */
const CODE_RUNNER_PERMISSIONS = ['job_create', 'job_view', 'code_execute'];
/**
 * Every job permission (without code_execute) plus view_all, but not the admin role: sees every user's
 * jobs and executions, acts only on its own. Unlike `auditor` (view_all without job_view or
 * execution_view), its 403 on another user's job comes from the view_all rule, not from a missing permission.
 */
const SUPERVISOR_PERMISSIONS = [
  'job_create',
  'job_view',
  'job_modify',
  'job_delete',
  'job_pause',
  'job_resume',
  'job_run',
  'execution_view',
  'view_all',
];
/** A role within user_admin's permissions: user_admin may grant it (the matrix tests user_manage, not escalation). */
const JOB_READER = 'job_reader';

/** The roles each signed-in caller holds. `no_role` holds none at all. */
const CALLER_ROLES: Record<SignedIn, string[]> = {
  admin: ['admin'],
  job_manager: ['job_manager'],
  viewer: ['viewer'],
  auditor: ['auditor'],
  user_admin: ['user_admin'],
  no_role: [],
  code_runner: ['code_runner'],
  supervisor: ['supervisor'],
};

/** The callers that see every user's jobs and executions: the admin, and view_all with job_view/execution_view. */
const SEES_EVERYONE: ReadonlySet<Caller> = new Set<Caller>(['admin', 'supervisor']);

const INVALID_TOKEN = {
  statusCode: 401,
  message: 'Missing, invalid, expired or revoked access token',
  error: 'Unauthorized',
};

/** What a row's setup() prepared for one caller. */
interface Fixture {
  /** Id of the throwaway target (user or role). */
  id?: string;
  /** A user name or role name to create, or of the throwaway user. */
  name?: string;
  password?: string;
  /** Replaces the caller's shared token (a fresh session, or a fresh user holding the caller's roles). */
  bearer?: string;
  /** The target job and execution. */
  jobId?: string;
  executionId?: string;
  /** The target's owner (the caller's own target: the caller; else another user). */
  ownerId?: string;
  /** For another user's target: whether this caller may see it (admin, view_all). */
  sees?: boolean;
  /** The target job as stored when setup() finished: a refused call leaves it so. */
  before?: StoredJob;
}

interface Context {
  caller: Caller;
  /** The caller's roles; null for anonymous. */
  roles: string[] | null;
}

interface Row {
  method: Method;
  /** The route as documented, used in the test names. */
  route: string;
  path: (f: Fixture) => string;
  body?: (f: Fixture) => object;
  setup?: (ctx: Context) => Promise<Fixture>;
  status: Record<Caller, number>;
  /** Checks the side effect: done when allowed, not done when refused. */
  after?: (f: Fixture, res: Response, allowed: boolean) => Promise<void> | void;
}

// ---------- state and helpers (module scope, so the matrix below reads as a table) ----------

let t: TestApp;
let admin: Actor;
/** Every signed-in caller's shared session (created in beforeAll). */
const actors = {} as Record<SignedIn, Actor>;
/** A job_manager who is none of the callers: owns the "another user's" targets. */
let stranger: Actor;
/** The test app's database, to check side effects where the API would not show them. */
let pool: pg.Pool;

const send = (method: Method, path: string, bearer?: string, body?: object) => {
  const agent = t.http();
  const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let req = agent[verb](path);
  if (bearer !== undefined) req = req.set('Authorization', bearer);
  return body === undefined ? req : req.send(body);
};

const asAdmin = (method: Method, path: string, body?: object) => send(method, path, admin.bearer, body);

/** A user created by the admin (not logged in); no roles unless given. */
async function throwawayUser(roles: string[] = []): Promise<Fixture> {
  const name = uniqueName('target');
  const password = strongPassword();
  const res = await asAdmin('POST', '/api/v1/users', { username: name, password, roles });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: (res.body as { id: string }).id, name, password };
}

/** A role created by the admin, within every caller's reach ([job_view]). */
async function throwawayRole(): Promise<Fixture> {
  const name = uniqueName('tmp-role');
  return { id: await newRole(t, name, ['job_view']), name };
}

/** A new session of the caller's own user (for logout, which revokes the token it is called with). */
async function freshSession({ caller }: Context): Promise<Fixture> {
  if (caller === 'anonymous') return {};
  const actor =
    caller === 'admin' ? await loginAdmin(t) : await login(t, actors[caller].username, actors[caller].password);
  return { bearer: actor.bearer };
}

/** A new user holding the caller's roles (for a password change, which revokes every token of its user). */
async function freshUserLike({ roles }: Context): Promise<Fixture> {
  if (roles === null) return { password: strongPassword() };
  const actor = await newUser(t, { roles });
  return { id: actor.id, name: actor.username, password: actor.password, bearer: actor.bearer };
}

const getUser = (id: string) => asAdmin('GET', `/api/v1/users/${id}`);
const allRoles = async () =>
  (await asAdmin('GET', '/api/v1/roles?limit=1000').expect(200)).body.roles as Array<{
    id: string;
    name: string;
    description: string;
  }>;

const sql = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> =>
  (await pool.query<T>(text, params)).rows;

/** A job's row as stored (null once deleted), with how many audit entries and executions it has. */
interface StoredJob {
  job: Record<string, unknown> | null;
  audit_entries: number;
  executions: number;
}

async function storedJob(id: string): Promise<StoredJob> {
  const [job] = await sql('SELECT * FROM jobs WHERE id = $1', [id]);
  const [counts] = await sql<{ audit_entries: number; executions: number }>(
    `SELECT (SELECT count(*)::int FROM audit_logs WHERE job_id = $1) AS audit_entries,
            (SELECT count(*)::int FROM executions WHERE job_id = $1) AS executions`,
    [id],
  );
  return { job: job ?? null, ...counts };
}

async function executionState(id: string): Promise<string | undefined> {
  const [row] = await sql<{ state: string }>('SELECT state FROM executions WHERE id = $1', [id]);
  return row?.state;
}

/** Refused: the target job, its executions and its audit entries are exactly as setup() left them. */
async function expectJobUnchanged(f: Fixture): Promise<void> {
  expect(await storedJob(f.jobId!)).toEqual(f.before);
}

/** A schedule six months away: an unpaused target that does not fire while the file runs. */
const FAR_AWAY = {
  month: String(((new Date().getUTCMonth() + 6) % 12) + 1),
  day: '1',
  hour: '0',
  minute: '0',
  timezone: 'UTC',
};

/** A paused SampleJob (unless `fields` say otherwise) created by the admin for `ownerId`. */
async function createJob(ownerId: string, fields: object = {}): Promise<string> {
  const res = await asAdmin('POST', '/api/v1/jobs', {
    name: uniqueName('job'),
    job_class_string: 'SampleJob',
    pub_args: ['x'],
    paused: true,
    owner_id: ownerId,
    ...fields,
  });
  if (res.status !== 201) throw new Error(`creating a job: ${res.status} ${JSON.stringify(res.body)}`);
  const job = res.body as { job_id: string; owner: { id: string } };
  if (job.owner.id !== ownerId) throw new Error(`the job belongs to ${job.owner.id}, not ${ownerId}`);
  return job.job_id;
}

/** The owner of a caller's own target: the caller (for anonymous, the admin). */
const ownerOf = (caller: Caller): string => (caller === 'anonymous' ? admin.id : actors[caller].id);

async function jobFixture(caller: Caller, ownerId: string, fields?: object): Promise<Fixture> {
  const jobId = await createJob(ownerId, fields);
  return { jobId, ownerId, sees: SEES_EVERYONE.has(caller), before: await storedJob(jobId) };
}

/** The caller's own job (created by the admin with owner_id = the caller). */
const ownJob =
  (fields?: object) =>
  ({ caller }: Context): Promise<Fixture> =>
    jobFixture(caller, ownerOf(caller), fields);

/** A job of another user (the stranger). */
const othersJob =
  (fields?: object) =>
  ({ caller }: Context): Promise<Fixture> =>
    jobFixture(caller, stranger.id, fields);

/**
 * A webhook URL this app accepts (HTTP_JOB_ALLOW opens 127.0.0.1 for it): port 9, where nothing
 * listens, so the admin's test event goes nowhere, and nothing leaves the machine.
 */
const WEBHOOK_URL = 'http://127.0.0.1:9/matrix-hook';

/** A webhook of another user (the stranger), listening to job.paused. */
async function strangersWebhook(): Promise<Fixture> {
  const res = await send('POST', '/api/v1/webhooks', stranger.bearer, { url: WEBHOOK_URL, events: ['job.paused'] });
  if (res.status !== 201) throw new Error(`creating a webhook: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: (res.body as { id: string }).id };
}

/** Runs the job now as the admin (who may run any job); the execution is `running` at once. */
async function runNow(jobId: string): Promise<string> {
  const res = await asAdmin('POST', `/api/v1/executions/${jobId}`);
  if (res.status !== 201) throw new Error(`running ${jobId}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { execution_id: string }).execution_id;
}

async function untilFinished(executionId: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const state = await executionState(executionId);
    if (state !== undefined && state !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`execution ${executionId} still running`);
}

/** Sleeps 30 s: stays `running` until stopped. */
const SLOW = { pub_args: ['x', 30] };

/**
 * The job of `jobSetup`, run now: a `finished` execution (SampleJob ['x'] succeeds at once) or a
 * `running` one (the job must be SLOW; the row's after() stops it when the caller did not).
 */
const withExecution =
  (jobSetup: (ctx: Context) => Promise<Fixture>, wanted: 'finished' | 'running') =>
  async (ctx: Context): Promise<Fixture> => {
    const f = await jobSetup(ctx);
    const executionId = await runNow(f.jobId!);
    if (wanted === 'finished') await untilFinished(executionId);
    else if ((await executionState(executionId)) !== 'running') throw new Error(`${executionId} is not running`);
    return { ...f, executionId, before: await storedJob(f.jobId!) };
  };

/** After a stop: stopped when allowed; else still running, and stopped now by the admin (no 30 s leftovers). */
async function checkStopped(f: Fixture, res: Response, allowed: boolean): Promise<void> {
  if (allowed) {
    expect(res.body).toMatchObject({ execution_id: f.executionId, state: 'stopped' });
    expect(await executionState(f.executionId!)).toBe('stopped');
    return;
  }
  expect(await executionState(f.executionId!)).toBe('running');
  await expectJobUnchanged(f);
  await asAdmin('POST', `/api/v1/executions/${f.executionId}/stop`).expect(200);
}

const idsIn = (res: Response, list: 'jobs' | 'executions', key: 'job_id' | 'execution_id'): string[] =>
  (res.body[list] as Array<Record<string, string>>).map((item) => item[key]);

/** The distinct owner ids of a list's items. */
const ownersIn = (res: Response, list: 'jobs' | 'executions'): string[] => [
  ...new Set((res.body[list] as Array<{ owner: { id: string } }>).map((item) => item.owner.id)),
];

/** A name for the job the caller creates, and the caller as its expected owner. */
const newJobName = ({ caller }: Context): Promise<Fixture> =>
  Promise.resolve({ name: uniqueName('new-job'), ownerId: caller === 'anonymous' ? undefined : ownerOf(caller) });

/** Created (owned by the caller) when allowed; no job of that name when refused. */
const checkCreated =
  (jobClass: string) =>
  async (f: Fixture, res: Response, allowed: boolean): Promise<void> => {
    const rows = await sql('SELECT id, owner_id, job_class_string FROM jobs WHERE name = $1', [f.name]);
    if (!allowed) {
      expect(rows).toEqual([]);
      return;
    }
    expect(res.body).toMatchObject({
      job_id: expect.any(String),
      name: f.name,
      job_class_string: jobClass,
      paused: true,
      next_run_time: null,
      owner: { id: f.ownerId },
    });
    expect(rows).toEqual([{ id: res.body.job_id, owner_id: f.ownerId, job_class_string: jobClass }]);
  };

function checkJobShown(f: Fixture, res: Response, allowed: boolean): void {
  if (allowed) expect(res.body).toMatchObject({ job_id: f.jobId, owner: { id: f.ownerId } });
}

function checkExecutionShown(f: Fixture, res: Response, allowed: boolean): void {
  if (!allowed) return;
  expect(res.body).toMatchObject({
    execution_id: f.executionId,
    job: { job_id: f.jobId },
    trigger: 'manual',
    state: 'succeeded',
    owner: { id: f.ownerId },
  });
}

/** The PUT of the minute (to every 7 minutes): only that field changed, audited; else nothing changed. */
async function checkModified(f: Fixture, res: Response, allowed: boolean): Promise<void> {
  if (!allowed) return expectJobUnchanged(f);
  expect(res.body).toMatchObject({ job_id: f.jobId, minute: '*/7' });
  const { job, audit_entries, executions } = await storedJob(f.jobId!);
  const before = f.before!;
  expect(job).toMatchObject({ ...before.job, minute: '*/7', updated_time: expect.any(Date) });
  expect({ audit_entries, executions }).toEqual({
    audit_entries: before.audit_entries + 1,
    executions: before.executions,
  });
}

/** Deleted (its audit entries kept, plus `deleted`); else nothing changed. */
async function checkDeleted(f: Fixture, res: Response, allowed: boolean): Promise<void> {
  if (!allowed) return expectJobUnchanged(f);
  expect(res.body).toEqual({ job_id: f.jobId });
  expect(await storedJob(f.jobId!)).toEqual({
    job: null,
    audit_entries: f.before!.audit_entries + 1,
    executions: f.before!.executions,
  });
  await asAdmin('GET', `/api/v1/jobs/${f.jobId}`).expect(404);
}

/** Paused (next_run_time null) or resumed (next_run_time set), audited; else nothing changed. */
const checkPaused =
  (paused: boolean) =>
  async (f: Fixture, res: Response, allowed: boolean): Promise<void> => {
    if (!allowed) return expectJobUnchanged(f);
    expect(res.body).toMatchObject({ job_id: f.jobId, paused, next_run_time: paused ? null : expect.any(String) });
    const { job, audit_entries } = await storedJob(f.jobId!);
    expect(job).toMatchObject({ paused, next_run_time: paused ? null : expect.any(Date) });
    expect(audit_entries).toBe(f.before!.audit_entries + 1);
  };

/** One manual execution of the job, audited (custom_run); else none. */
async function checkRunNow(f: Fixture, res: Response, allowed: boolean): Promise<void> {
  if (!allowed) return expectJobUnchanged(f);
  expect(res.body).toEqual({ execution_id: expect.any(String) });
  const rows = await sql('SELECT id, trigger, owner_id FROM executions WHERE job_id = $1', [f.jobId]);
  expect(rows).toEqual([{ id: res.body.execution_id, trigger: 'manual', owner_id: f.ownerId }]);
  expect((await storedJob(f.jobId!)).audit_entries).toBe(f.before!.audit_entries + 1);
  await untilFinished(res.body.execution_id as string);
}

function expectErrorBody(res: Response, statusCode: number, error: string): void {
  expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.body).toMatchObject({ statusCode, error });
  const message: unknown = res.body.message;
  expect(typeof message === 'string' || (Array.isArray(message) && message.every((m) => typeof m === 'string'))).toBe(
    true,
  );
}

function expectStatus(res: Response, status: number): void {
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  if (status === 401) expect(res.body).toEqual(INVALID_TOKEN);
  if (status === 403) expectErrorBody(res, 403, 'Forbidden');
  if (status === 404) expectErrorBody(res, 404, 'Not Found');
  if (status === 400) expectErrorBody(res, 400, 'Bad Request');
  if (status === 409) expectErrorBody(res, 409, 'Conflict');
}

// ---------- the matrix ----------

const MATRIX: Row[] = [
  // Auth
  {
    method: 'POST',
    route: '/api/v1/auth/login',
    path: () => '/api/v1/auth/login',
    setup: () => throwawayUser(),
    body: (f) => ({ username: f.name, password: f.password }),
    // prettier-ignore
    status: { anonymous: 200, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200, code_runner: 200, supervisor: 200 },
    after: (_f, res) => {
      expect(res.body).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/auth/logout',
    path: () => '/api/v1/auth/logout',
    setup: freshSession,
    // prettier-ignore
    status: { anonymous: 401, admin: 204, job_manager: 204, viewer: 204, auditor: 204, user_admin: 204, no_role: 204, code_runner: 204, supervisor: 204 },
    after: async (f, _res, allowed) => {
      if (allowed) await send('GET', '/api/v1/auth/me', f.bearer).expect(401);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/auth/me',
    path: () => '/api/v1/auth/me',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200, code_runner: 200, supervisor: 200 },
  },
  {
    method: 'PUT',
    route: '/api/v1/auth/me/password',
    path: () => '/api/v1/auth/me/password',
    setup: freshUserLike,
    body: (f) => ({ current_password: f.password, new_password: `new-${strongPassword()}` }),
    // prettier-ignore
    status: { anonymous: 401, admin: 204, job_manager: 204, viewer: 204, auditor: 204, user_admin: 204, no_role: 204, code_runner: 204, supervisor: 204 },
    after: async (f, _res, allowed) => {
      // The change revokes the tokens issued before it.
      if (allowed) await send('GET', '/api/v1/auth/me', f.bearer).expect(401);
    },
  },

  {
    method: 'POST',
    route: '/api/v1/auth/tokens',
    path: () => '/api/v1/auth/tokens',
    body: () => ({ name: uniqueName('matrix-token') }),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 201, viewer: 201, auditor: 201, user_admin: 201, no_role: 201, code_runner: 201, supervisor: 201 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ token: expect.stringMatching(/^cw_/) });
    },
  },
  {
    method: 'GET',
    route: '/api/v1/auth/tokens',
    path: () => '/api/v1/auth/tokens',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200, code_runner: 200, supervisor: 200 },
  },
  {
    // Another user's token: the same 404 for everyone, admins included; it keeps working.
    method: 'DELETE',
    route: '/api/v1/auth/tokens/:id (another user’s)',
    path: (f) => `/api/v1/auth/tokens/${f.id}`,
    setup: async () => {
      const res = await send('POST', '/api/v1/auth/tokens', stranger.bearer, { name: uniqueName('stranger-token') });
      const body = res.body as { id: string; token: string };
      return { id: body.id, name: body.token };
    },
    // prettier-ignore
    status: { anonymous: 401, admin: 404, job_manager: 404, viewer: 404, auditor: 404, user_admin: 404, no_role: 404, code_runner: 404, supervisor: 404 },
    after: async (f) => {
      await send('GET', '/api/v1/auth/me', `Bearer ${f.name}`).expect(200);
    },
  },

  // Users (user_manage)
  {
    method: 'GET',
    route: '/api/v1/users',
    path: () => '/api/v1/users',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ users: expect.any(Array), total: expect.any(Number) });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/users',
    path: () => '/api/v1/users',
    setup: () => Promise.resolve({ name: uniqueName('new'), password: strongPassword() }),
    // roles: [] — within anyone's permissions, so only user_manage decides.
    body: (f) => ({ username: f.name, password: f.password, roles: [] }),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 403, viewer: 403, auditor: 403, user_admin: 201, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (f, res, allowed) => {
      const list = await asAdmin('GET', '/api/v1/users?limit=1000').expect(200);
      const names = (list.body.users as Array<{ username: string }>).map((u) => u.username);
      expect(names.includes(f.name!)).toBe(allowed);
      if (allowed) expect(res.body).toMatchObject({ id: expect.any(String), username: f.name, roles: [] });
    },
  },
  {
    method: 'GET',
    route: '/api/v1/users/:id',
    path: (f) => `/api/v1/users/${f.id}`,
    setup: () => throwawayUser(),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ id: f.id, username: f.name });
    },
  },
  {
    method: 'GET',
    route: '/api/v1/users/:id/ownership',
    path: (f) => `/api/v1/users/${f.id}/ownership`,
    setup: () => throwawayUser(),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toEqual({ jobs: 0, scripts: 0 });
    },
  },
  {
    method: 'PATCH',
    route: '/api/v1/users/:id',
    path: (f) => `/api/v1/users/${f.id}`,
    // A target without roles: user_admin holds everything it holds.
    setup: () => throwawayUser(),
    body: () => ({ email: 'patched@example.com' }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (f, _res, allowed) => {
      const user = await getUser(f.id!).expect(200);
      expect(user.body.email).toBe(allowed ? 'patched@example.com' : null);
    },
  },
  {
    method: 'DELETE',
    route: '/api/v1/users/:id',
    path: (f) => `/api/v1/users/${f.id}`,
    setup: () => throwawayUser(),
    // prettier-ignore
    status: { anonymous: 401, admin: 204, job_manager: 403, viewer: 403, auditor: 403, user_admin: 204, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (f, _res, allowed) => {
      await getUser(f.id!).expect(allowed ? 404 : 200);
    },
  },
  {
    method: 'PUT',
    route: '/api/v1/users/:id/roles',
    path: (f) => `/api/v1/users/${f.id}/roles`,
    setup: () => throwawayUser(),
    // job_reader = [job_view], within user_admin's own permissions.
    body: () => ({ roles: [JOB_READER] }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (f, _res, allowed) => {
      const user = await getUser(f.id!).expect(200);
      expect(user.body.roles).toEqual(allowed ? [JOB_READER] : []);
    },
  },

  // Roles and permissions
  {
    method: 'GET',
    route: '/api/v1/roles',
    path: () => '/api/v1/roles',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ roles: expect.any(Array), total: expect.any(Number) });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/roles',
    path: () => '/api/v1/roles',
    setup: () => Promise.resolve({ name: uniqueName('new-role') }),
    body: (f) => ({ name: f.name, permissions: ['job_view'] }),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (f, _res, allowed) => {
      expect((await allRoles()).some((role) => role.name === f.name)).toBe(allowed);
    },
  },
  {
    method: 'PATCH',
    route: '/api/v1/roles/:id',
    path: (f) => `/api/v1/roles/${f.id}`,
    setup: throwawayRole,
    body: () => ({ description: 'patched' }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (f, _res, allowed) => {
      const role = (await allRoles()).find((r) => r.id === f.id);
      expect(role?.description).toBe(allowed ? 'patched' : '');
    },
  },
  {
    method: 'DELETE',
    route: '/api/v1/roles/:id',
    path: (f) => `/api/v1/roles/${f.id}`,
    setup: throwawayRole,
    // prettier-ignore
    status: { anonymous: 401, admin: 204, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (f, _res, allowed) => {
      expect((await allRoles()).some((role) => role.id === f.id)).toBe(!allowed);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/roles/defaults',
    path: () => '/api/v1/roles/defaults',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toEqual({ admin_role: 'admin', default_role: 'viewer' });
    },
  },
  {
    method: 'GET',
    route: '/api/v1/permissions',
    path: () => '/api/v1/permissions',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 200, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body.permissions).toContainEqual({ name: 'audit_view', description: expect.any(String) });
    },
  },

  // Webhooks (job_view; private to their owner, admins reach all; view_all does not extend to them)
  {
    method: 'POST',
    route: '/api/v1/webhooks',
    path: () => '/api/v1/webhooks',
    body: () => ({ url: WEBHOOK_URL, events: ['execution.failed'] }),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 201, viewer: 201, auditor: 403, user_admin: 201, no_role: 403, code_runner: 201, supervisor: 201 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ url: WEBHOOK_URL, secret: expect.stringMatching(/^whsec_/) });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/webhooks {job_id} (another user’s job)',
    path: () => '/api/v1/webhooks',
    setup: othersJob(),
    body: (f) => ({ url: WEBHOOK_URL, events: ['job.paused'], job_id: f.jobId }),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 404, viewer: 404, auditor: 403, user_admin: 404, no_role: 403, code_runner: 404, supervisor: 403 },
    after: async (f, _res, allowed) => {
      const rows = await sql('SELECT id FROM webhooks WHERE job_id = $1', [f.jobId]);
      expect(rows).toHaveLength(allowed ? 1 : 0);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/webhooks',
    path: () => '/api/v1/webhooks',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 200, no_role: 403, code_runner: 200, supervisor: 200 },
  },
  {
    method: 'GET',
    route: '/api/v1/webhooks/:id (another user’s)',
    path: (f) => `/api/v1/webhooks/${f.id}`,
    setup: strangersWebhook,
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 404, auditor: 403, user_admin: 404, no_role: 403, code_runner: 404, supervisor: 404 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).not.toHaveProperty('secret');
    },
  },
  {
    method: 'GET',
    route: '/api/v1/webhooks/:id/deliveries (another user’s)',
    path: (f) => `/api/v1/webhooks/${f.id}/deliveries`,
    setup: strangersWebhook,
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 404, auditor: 403, user_admin: 404, no_role: 403, code_runner: 404, supervisor: 404 },
  },
  {
    method: 'PATCH',
    route: '/api/v1/webhooks/:id (another user’s)',
    path: (f) => `/api/v1/webhooks/${f.id}`,
    setup: strangersWebhook,
    body: () => ({ events: ['job.resumed'] }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 404, auditor: 403, user_admin: 404, no_role: 403, code_runner: 404, supervisor: 404 },
    after: async (f, _res, allowed) => {
      const [row] = await sql<{ events: string[] }>('SELECT events FROM webhooks WHERE id = $1', [f.id]);
      expect(row.events).toEqual(allowed ? ['job.resumed'] : ['job.paused']);
    },
  },
  {
    method: 'POST',
    route: '/api/v1/webhooks/:id/test (another user’s)',
    path: (f) => `/api/v1/webhooks/${f.id}/test`,
    setup: strangersWebhook,
    // prettier-ignore
    status: { anonymous: 401, admin: 202, job_manager: 404, viewer: 404, auditor: 403, user_admin: 404, no_role: 403, code_runner: 404, supervisor: 404 },
  },
  {
    method: 'DELETE',
    route: '/api/v1/webhooks/:id (another user’s)',
    path: (f) => `/api/v1/webhooks/${f.id}`,
    setup: strangersWebhook,
    // prettier-ignore
    status: { anonymous: 401, admin: 204, job_manager: 404, viewer: 404, auditor: 403, user_admin: 404, no_role: 403, code_runner: 404, supervisor: 404 },
    after: async (f, _res, allowed) => {
      expect(await sql('SELECT id FROM webhooks WHERE id = $1', [f.id])).toHaveLength(allowed ? 0 : 1);
    },
  },

  // Job classes (job_view)
  {
    method: 'GET',
    route: '/api/v1/job-classes',
    path: () => '/api/v1/job-classes',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 200, no_role: 403, code_runner: 200, supervisor: 200 },
    after: (_f, res, allowed) => {
      if (!allowed) return;
      const names = (res.body.job_classes as Array<{ job_class_string: string }>).map((c) => c.job_class_string);
      expect(names).toEqual(expect.arrayContaining(['SampleJob', 'ShellJob']));
    },
  },

  // Jobs: the caller's own job (created by the admin with owner_id = the caller)
  {
    method: 'GET',
    route: '/api/v1/jobs',
    path: () => '/api/v1/jobs?limit=1000',
    setup: ownJob(),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 200, no_role: 403, code_runner: 200, supervisor: 200 },
    after: (f, res, allowed) => {
      if (!allowed) return;
      expect(res.body).toMatchObject({ jobs: expect.any(Array), total: expect.any(Number) });
      expect(idsIn(res, 'jobs', 'job_id')).toContain(f.jobId);
      // Without view_all (or admin): nobody else's jobs.
      if (!f.sees) expect(ownersIn(res, 'jobs')).toEqual([f.ownerId]);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/jobs/owners',
    path: () => '/api/v1/jobs/owners',
    setup: othersJob(),
    // Only for callers who see everyone, as the owner_id filter of GET /jobs.
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: (f, res, allowed) => {
      if (allowed) expect((res.body as { owners: Array<{ id: string }> }).owners.map((o) => o.id)).toContain(f.ownerId);
    },
  },
  {
    method: 'POST',
    route: '/api/v1/jobs',
    path: () => '/api/v1/jobs',
    setup: newJobName,
    body: (f) => ({ name: f.name, job_class_string: 'SampleJob', pub_args: ['x'], paused: true }),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 201, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 201, supervisor: 201 },
    after: checkCreated('SampleJob'),
  },
  {
    method: 'POST',
    route: '/api/v1/jobs (ShellJob)',
    path: () => '/api/v1/jobs',
    setup: newJobName,
    // ShellJob needs code_execute besides job_create.
    body: (f) => ({ name: f.name, job_class_string: 'ShellJob', pub_args: ['true'], paused: true }),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 201, supervisor: 403 },
    after: checkCreated('ShellJob'),
  },
  {
    method: 'POST',
    route: '/api/v1/jobs/preview',
    path: () => '/api/v1/jobs/preview',
    setup: newJobName,
    // A whole job body: only the schedule is read, nothing is saved (job_view is enough).
    body: (f) => ({ name: f.name, job_class_string: 'SampleJob', pub_args: ['x'], minute: '*/5' }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 200, no_role: 403, code_runner: 200, supervisor: 200 },
    after: async (f, res, allowed) => {
      if (allowed) expect((res.body as { next_run_times: string[] }).next_run_times).toHaveLength(5);
      expect(await sql('SELECT id FROM jobs WHERE name = $1', [f.name])).toEqual([]);
      expect(await sql("SELECT id FROM audit_logs WHERE description LIKE '%' || $1 || '%'", [f.name])).toEqual([]);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/jobs/:job_id',
    path: (f) => `/api/v1/jobs/${f.jobId}`,
    setup: ownJob(),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 200, no_role: 403, code_runner: 200, supervisor: 200 },
    after: checkJobShown,
  },
  {
    method: 'PUT',
    route: '/api/v1/jobs/:job_id',
    path: (f) => `/api/v1/jobs/${f.jobId}`,
    setup: ownJob(),
    body: () => ({ minute: '*/7' }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: checkModified,
  },
  {
    method: 'PUT',
    route: '/api/v1/jobs/:job_id (own ShellJob)',
    path: (f) => `/api/v1/jobs/${f.jobId}`,
    // Changing a job whose class needs code_execute needs it too (job_modify alone is not enough).
    setup: ownJob({ job_class_string: 'ShellJob', pub_args: ['true'] }),
    body: () => ({ minute: '*/7' }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: checkModified,
  },
  {
    method: 'DELETE',
    route: '/api/v1/jobs/:job_id',
    path: (f) => `/api/v1/jobs/${f.jobId}`,
    setup: ownJob(),
    // job_manager holds job_delete since migration GrantJobDeleteToJobManager.
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: checkDeleted,
  },
  {
    method: 'POST',
    route: '/api/v1/jobs/:job_id/pause',
    path: (f) => `/api/v1/jobs/${f.jobId}/pause`,
    setup: ownJob({ ...FAR_AWAY, paused: false }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: checkPaused(true),
  },
  {
    method: 'POST',
    route: '/api/v1/jobs/:job_id/resume',
    path: (f) => `/api/v1/jobs/${f.jobId}/resume`,
    setup: ownJob(FAR_AWAY),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: checkPaused(false),
  },

  // Jobs: another user's job (hidden without view_all; read-only with it; the admin acts on it)
  {
    method: 'GET',
    route: "/api/v1/jobs (another user's job)",
    path: () => '/api/v1/jobs?limit=1000',
    setup: othersJob(),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 200, no_role: 403, code_runner: 200, supervisor: 200 },
    after: (f, res, allowed) => {
      if (allowed) expect(idsIn(res, 'jobs', 'job_id').includes(f.jobId!)).toBe(f.sees);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/jobs?owner_id=:user_id',
    path: (f) => `/api/v1/jobs?owner_id=${f.ownerId}&limit=1000`,
    setup: othersJob(),
    // The owner_id filter needs view_all (or admin); auditor lacks job_view itself.
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: (f, res, allowed) => {
      if (!allowed) return;
      expect(idsIn(res, 'jobs', 'job_id')).toContain(f.jobId);
      expect(ownersIn(res, 'jobs')).toEqual([f.ownerId]);
    },
  },
  {
    method: 'GET',
    route: "/api/v1/jobs/:job_id (another user's job)",
    path: (f) => `/api/v1/jobs/${f.jobId}`,
    setup: othersJob(),
    // view_all widens what job_view shows; it is not job_view: auditor (view_all, no job_view) gets 403.
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 404, auditor: 403, user_admin: 404, no_role: 403, code_runner: 404, supervisor: 200 },
    after: checkJobShown,
  },
  {
    method: 'PUT',
    route: "/api/v1/jobs/:job_id (another user's job)",
    path: (f) => `/api/v1/jobs/${f.jobId}`,
    setup: othersJob(),
    body: () => ({ minute: '*/7' }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: checkModified,
  },
  {
    method: 'DELETE',
    route: "/api/v1/jobs/:job_id (another user's job)",
    path: (f) => `/api/v1/jobs/${f.jobId}`,
    setup: othersJob(),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: checkDeleted,
  },
  {
    method: 'POST',
    route: "/api/v1/jobs/:job_id/pause (another user's job)",
    path: (f) => `/api/v1/jobs/${f.jobId}/pause`,
    setup: othersJob({ ...FAR_AWAY, paused: false }),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: checkPaused(true),
  },
  {
    method: 'POST',
    route: "/api/v1/jobs/:job_id/resume (another user's job)",
    path: (f) => `/api/v1/jobs/${f.jobId}/resume`,
    setup: othersJob(FAR_AWAY),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: checkPaused(false),
  },

  // Executions: of the caller's own job (run now by the admin)
  {
    method: 'GET',
    route: '/api/v1/executions/stats',
    path: (f) => `/api/v1/executions/stats?job_id=${f.jobId}`,
    setup: withExecution(ownJob(), 'finished'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: (f, res, allowed) => {
      if (allowed) expect((res.body as { counts: { succeeded: number }; total: number }).total).toBe(1);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/executions',
    path: () => '/api/v1/executions?limit=1000',
    setup: withExecution(ownJob(), 'finished'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: (f, res, allowed) => {
      if (!allowed) return;
      expect(res.body).toMatchObject({ executions: expect.any(Array), total: expect.any(Number) });
      expect(idsIn(res, 'executions', 'execution_id')).toContain(f.executionId);
      if (!f.sees) expect(ownersIn(res, 'executions')).toEqual([f.ownerId]);
    },
  },
  {
    method: 'GET',
    route: '/api/v1/executions/:execution_id',
    path: (f) => `/api/v1/executions/${f.executionId}`,
    setup: withExecution(ownJob(), 'finished'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: checkExecutionShown,
  },
  {
    method: 'POST',
    route: '/api/v1/executions/:job_id',
    path: (f) => `/api/v1/executions/${f.jobId}`,
    // A paused job: run now works all the same.
    setup: ownJob(),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 201, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 201 },
    after: checkRunNow,
  },
  {
    method: 'POST',
    route: '/api/v1/executions/:execution_id/stop',
    path: (f) => `/api/v1/executions/${f.executionId}/stop`,
    setup: withExecution(ownJob(SLOW), 'running'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: checkStopped,
  },
  {
    method: 'POST',
    route: '/api/v1/executions/:execution_id/stop (finished)',
    path: (f) => `/api/v1/executions/${f.executionId}/stop`,
    // Not running any more: 409 for whoever may stop it; permission still comes first.
    setup: withExecution(ownJob(), 'finished'),
    // prettier-ignore
    status: { anonymous: 401, admin: 409, job_manager: 409, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 409 },
    after: async (f) => {
      expect(await executionState(f.executionId!)).toBe('succeeded');
      await expectJobUnchanged(f);
    },
  },

  // Executions: of another user's job
  {
    method: 'GET',
    route: "/api/v1/executions/stats (another user's job)",
    path: (f) => `/api/v1/executions/stats?job_id=${f.jobId}`,
    setup: withExecution(othersJob(), 'finished'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: (f, res, allowed) => {
      // Counted only by callers who may see the execution.
      if (allowed) expect((res.body as { total: number }).total).toBe(f.sees ? 1 : 0);
    },
  },
  {
    method: 'GET',
    route: "/api/v1/executions (another user's execution)",
    path: () => '/api/v1/executions?limit=1000',
    setup: withExecution(othersJob(), 'finished'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: (f, res, allowed) => {
      if (allowed) expect(idsIn(res, 'executions', 'execution_id').includes(f.executionId!)).toBe(f.sees);
    },
  },
  {
    method: 'GET',
    route: "/api/v1/executions/:execution_id (another user's execution)",
    path: (f) => `/api/v1/executions/${f.executionId}`,
    setup: withExecution(othersJob(), 'finished'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 404, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 200 },
    after: checkExecutionShown,
  },
  {
    method: 'POST',
    route: "/api/v1/executions/:job_id (another user's job)",
    path: (f) => `/api/v1/executions/${f.jobId}`,
    setup: othersJob(),
    // prettier-ignore
    status: { anonymous: 401, admin: 201, job_manager: 404, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: checkRunNow,
  },
  {
    method: 'POST',
    route: "/api/v1/executions/:execution_id/stop (another user's execution)",
    path: (f) => `/api/v1/executions/${f.executionId}/stop`,
    setup: withExecution(othersJob(SLOW), 'running'),
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 404, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: checkStopped,
  },

  // Audit logs (audit_view)
  {
    method: 'GET',
    route: '/api/v1/logs',
    path: () => '/api/v1/logs',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ logs: expect.any(Array), total: expect.any(Number) });
    },
  },

  // Instances (admin only)
  {
    method: 'GET',
    route: '/api/v1/instances',
    path: () => '/api/v1/instances',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: (_f, res, allowed) => {
      if (allowed)
        expect(res.body).toMatchObject({
          instances: expect.arrayContaining([expect.objectContaining({ status: 'alive', current: true })]),
        });
    },
  },

  // The scheduler switch: everyone signed in reads it, only admins pause or resume it
  {
    method: 'GET',
    route: '/api/v1/scheduler',
    path: () => '/api/v1/scheduler',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200, code_runner: 200, supervisor: 200 },
    after: (_f, res, allowed) => {
      if (allowed) expect(res.body).toMatchObject({ paused: false, paused_by: null, paused_time: null });
    },
  },
  {
    method: 'POST',
    route: '/api/v1/scheduler/pause',
    path: () => '/api/v1/scheduler/pause',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (_f, res, allowed) => {
      const [state] = await sql<{ paused: boolean }>('SELECT paused FROM scheduler_state');
      expect(state.paused).toBe(allowed);
      if (allowed) {
        expect(res.body).toMatchObject({ paused: true, paused_by: { username: admin.username } });
        // the other rows need a running scheduler
        await asAdmin('POST', '/api/v1/scheduler/resume').expect(200);
      }
    },
  },
  {
    method: 'POST',
    route: '/api/v1/scheduler/resume',
    path: () => '/api/v1/scheduler/resume',
    setup: async () => {
      await asAdmin('POST', '/api/v1/scheduler/pause').expect(200);
      return {};
    },
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
    after: async (_f, res, allowed) => {
      const [state] = await sql<{ paused: boolean }>('SELECT paused FROM scheduler_state');
      expect(state.paused).toBe(!allowed);
      if (allowed) expect(res.body).toMatchObject({ paused: false });
      else await asAdmin('POST', '/api/v1/scheduler/resume').expect(200);
    },
  },

  // Metrics (admin, or METRICS_TOKEN: see metrics.e2e-spec.ts)
  {
    method: 'GET',
    route: '/metrics',
    path: () => '/metrics',
    // prettier-ignore
    status: { anonymous: 401, admin: 200, job_manager: 403, viewer: 403, auditor: 403, user_admin: 403, no_role: 403, code_runner: 403, supervisor: 403 },
  },

  // Health (public)
  {
    method: 'GET',
    route: '/health',
    path: () => '/health',
    // prettier-ignore
    status: { anonymous: 200, admin: 200, job_manager: 200, viewer: 200, auditor: 200, user_admin: 200, no_role: 200, code_runner: 200, supervisor: 200 },
  },
];

describe('access matrix', () => {
  // ---------- lifecycle ----------

  beforeAll(async () => {
    t = await createTestApp({ env: { HTTP_JOB_ALLOW: '127.0.0.1/32' } });
    admin = await loginAdmin(t);
    await newRole(t, 'auditor', AUDITOR_PERMISSIONS);
    await newRole(t, 'user_admin', USER_ADMIN_PERMISSIONS);
    await newRole(t, JOB_READER, ['job_view']);
    await newRole(t, 'code_runner', CODE_RUNNER_PERMISSIONS);
    await newRole(t, 'supervisor', SUPERVISOR_PERMISSIONS);
    actors.admin = admin;
    for (const caller of [
      'job_manager',
      'viewer',
      'auditor',
      'user_admin',
      'no_role',
      'code_runner',
      'supervisor',
    ] as const) {
      actors[caller] = await newUser(t, { roles: CALLER_ROLES[caller] });
    }
    stranger = await newUser(t, { roles: ['job_manager'] });
    pool = new pg.Pool({ connectionString: t.database.url, max: 2 });
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end();
    await t?.close();
  });

  it('has the callers it claims: roles and effective permissions as /auth/me reports them', async () => {
    const expected: Record<SignedIn, { roles: string[]; permissions: string[] }> = {
      admin: { roles: ['admin'], permissions: expect.arrayContaining(['user_manage', 'role_manage', 'audit_view']) },
      job_manager: {
        roles: ['job_manager'],
        permissions: expect.arrayContaining(['job_create', 'audit_view']),
      },
      viewer: { roles: ['viewer'], permissions: expect.arrayContaining(['job_view', 'execution_view', 'audit_view']) },
      auditor: { roles: ['auditor'], permissions: expect.arrayContaining(AUDITOR_PERMISSIONS) },
      user_admin: { roles: ['user_admin'], permissions: expect.arrayContaining(USER_ADMIN_PERMISSIONS) },
      no_role: { roles: [], permissions: [] },
      code_runner: { roles: ['code_runner'], permissions: expect.arrayContaining(CODE_RUNNER_PERMISSIONS) },
      supervisor: { roles: ['supervisor'], permissions: expect.arrayContaining(SUPERVISOR_PERMISSIONS) },
    };
    for (const caller of Object.keys(expected) as SignedIn[]) {
      const me = await send('GET', '/api/v1/auth/me', actors[caller].bearer).expect(200);
      expect({ caller, roles: me.body.roles, permissions: me.body.permissions }).toEqual({
        caller,
        ...expected[caller],
      });
    }
    const lacking = (caller: SignedIn, permission: string) =>
      send('GET', '/api/v1/auth/me', actors[caller].bearer).then((res) => {
        expect(res.body.permissions).not.toContain(permission);
      });
    await lacking('job_manager', 'user_manage');
    await lacking('viewer', 'user_manage');
    await lacking('auditor', 'user_manage');
    await lacking('user_admin', 'role_manage');
    await lacking('user_admin', 'audit_view');
    await lacking('auditor', 'job_view');
    await lacking('auditor', 'execution_view');
    await lacking('job_manager', 'code_execute');
    await lacking('code_runner', 'job_modify');
    await lacking('code_runner', 'job_run');
    await lacking('code_runner', 'execution_view');
    await lacking('supervisor', 'code_execute');
    await lacking('supervisor', 'audit_view');
  });

  describe.each(MATRIX.map((row) => [`${row.method} ${row.route}`, row] as const))('%s', (_name, row) => {
    for (const caller of CALLERS) {
      const status = row.status[caller];
      it(`${row.method} ${row.route} as ${caller} → ${status}`, async () => {
        const ctx: Context = { caller, roles: caller === 'anonymous' ? null : CALLER_ROLES[caller] };
        const fixture = row.setup ? await row.setup(ctx) : {};
        const bearer = caller === 'anonymous' ? undefined : (fixture.bearer ?? actors[caller].bearer);
        const res = await send(row.method, row.path(fixture), bearer, row.body?.(fixture));
        expectStatus(res, status);
        if (row.after) await row.after(fixture, res, status >= 200 && status < 300);
      });
    }
  });

  // ---------- check order: 401, then 403, then 404, then 400 ----------

  describe('check order: authentication (401), permission (403), existence (404), validation (400)', () => {
    const NONEXISTENT = randomUUID();

    interface OrderRow {
      name: string;
      caller: Caller;
      method: Method;
      path: (f: Fixture) => string;
      body?: object;
      setup?: () => Promise<Fixture>;
      status: number;
      /** The 400 names this field. */
      field?: string;
    }

    const ORDER: OrderRow[] = [
      // users
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as anonymous',
        caller: 'anonymous',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 401,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as viewer',
        caller: 'viewer',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 403,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as no_role',
        caller: 'no_role',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 403,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/<nonexistent uuid> with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'PATCH',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        body: { email: 'not-an-email' },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/<existing> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        setup: () => throwawayUser(),
        path: (f) => `/api/v1/users/${f.id}`,
        body: { email: 'not-an-email' },
        status: 400,
        field: 'email',
      },
      {
        name: 'PATCH /api/v1/users/<existing> with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'PATCH',
        setup: () => throwawayUser(),
        path: (f) => `/api/v1/users/${f.id}`,
        body: { is_active: 'yes' },
        status: 400,
        field: 'is_active',
      },
      {
        name: 'PUT /api/v1/users/<nonexistent uuid>/roles with an invalid body as job_manager',
        caller: 'job_manager',
        method: 'PUT',
        path: () => `/api/v1/users/${NONEXISTENT}/roles`,
        body: { roles: 'admin' },
        status: 403,
      },
      {
        name: 'PUT /api/v1/users/<nonexistent uuid>/roles with an invalid body as admin',
        caller: 'admin',
        method: 'PUT',
        path: () => `/api/v1/users/${NONEXISTENT}/roles`,
        body: { roles: 'admin' },
        status: 404,
      },
      {
        name: 'PUT /api/v1/users/<existing>/roles with an invalid body as admin',
        caller: 'admin',
        method: 'PUT',
        setup: () => throwawayUser(),
        path: (f) => `/api/v1/users/${f.id}/roles`,
        body: { roles: 'admin' },
        status: 400,
        field: 'roles',
      },
      {
        name: 'DELETE /api/v1/users/<nonexistent uuid> as auditor',
        caller: 'auditor',
        method: 'DELETE',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'DELETE /api/v1/users/<nonexistent uuid> as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => `/api/v1/users/${NONEXISTENT}`,
        status: 404,
      },
      // malformed ids are simply ids that do not exist
      {
        name: 'GET /api/v1/users/not-a-uuid as admin',
        caller: 'admin',
        method: 'GET',
        path: () => '/api/v1/users/not-a-uuid',
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/not-a-uuid as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => '/api/v1/users/not-a-uuid',
        body: { email: 'ok@example.com' },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/users/not-a-uuid with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => '/api/v1/users/not-a-uuid',
        body: { email: 'not-an-email' },
        status: 404,
      },
      {
        name: 'DELETE /api/v1/users/not-a-uuid as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => '/api/v1/users/not-a-uuid',
        status: 404,
      },
      {
        name: 'PUT /api/v1/users/not-a-uuid/roles as admin',
        caller: 'admin',
        method: 'PUT',
        path: () => '/api/v1/users/not-a-uuid/roles',
        body: { roles: [] },
        status: 404,
      },
      {
        name: 'GET /api/v1/users/not-a-uuid as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => '/api/v1/users/not-a-uuid',
        status: 403,
      },
      // roles
      {
        name: 'PATCH /api/v1/roles/<nonexistent uuid> with an invalid body as anonymous',
        caller: 'anonymous',
        method: 'PATCH',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        body: { permissions: ['no_such_permission'] },
        status: 401,
      },
      {
        name: 'PATCH /api/v1/roles/<nonexistent uuid> with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'PATCH',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        body: { permissions: ['no_such_permission'] },
        status: 403,
      },
      {
        name: 'PATCH /api/v1/roles/<nonexistent uuid> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        body: { permissions: ['no_such_permission'] },
        status: 404,
      },
      {
        name: 'PATCH /api/v1/roles/<existing> with an invalid body as admin',
        caller: 'admin',
        method: 'PATCH',
        setup: throwawayRole,
        path: (f) => `/api/v1/roles/${f.id}`,
        body: { permissions: ['no_such_permission'] },
        status: 400,
        field: 'permissions',
      },
      {
        name: 'PATCH /api/v1/roles/not-a-uuid as admin',
        caller: 'admin',
        method: 'PATCH',
        path: () => '/api/v1/roles/not-a-uuid',
        body: { description: 'x' },
        status: 404,
      },
      {
        name: 'DELETE /api/v1/roles/<nonexistent uuid> as viewer',
        caller: 'viewer',
        method: 'DELETE',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'DELETE /api/v1/roles/<nonexistent uuid> as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => `/api/v1/roles/${NONEXISTENT}`,
        status: 404,
      },
      {
        name: 'DELETE /api/v1/roles/not-a-uuid as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => '/api/v1/roles/not-a-uuid',
        status: 404,
      },
      // jobs
      {
        name: 'PUT /api/v1/jobs/<nonexistent uuid> with an invalid body as anonymous',
        caller: 'anonymous',
        method: 'PUT',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        body: { minute: '61' },
        status: 401,
      },
      {
        name: 'PUT /api/v1/jobs/<nonexistent uuid> with an invalid body as viewer',
        caller: 'viewer',
        method: 'PUT',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        body: { minute: '61' },
        status: 403,
      },
      {
        name: 'PUT /api/v1/jobs/<nonexistent uuid> with an invalid body as admin',
        caller: 'admin',
        method: 'PUT',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        body: { minute: '61' },
        status: 404,
      },
      {
        name: 'PUT /api/v1/jobs/<nonexistent uuid> with an invalid body as job_manager',
        caller: 'job_manager',
        method: 'PUT',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        body: { minute: '61' },
        status: 404,
      },
      {
        name: 'PUT /api/v1/jobs/<existing> with an invalid body as admin',
        caller: 'admin',
        method: 'PUT',
        setup: () => jobFixture('admin', admin.id),
        path: (f) => `/api/v1/jobs/${f.jobId}`,
        body: { minute: '61' },
        status: 400,
        field: 'minute',
      },
      {
        name: 'PUT /api/v1/jobs/<own> with an invalid body as job_manager',
        caller: 'job_manager',
        method: 'PUT',
        setup: () => jobFixture('job_manager', actors.job_manager.id),
        path: (f) => `/api/v1/jobs/${f.jobId}`,
        body: { timezone: 'Mars/Olympus_Mons' },
        status: 400,
        field: 'timezone',
      },
      {
        name: "PUT /api/v1/jobs/<another user's> with an invalid body as job_manager",
        caller: 'job_manager',
        method: 'PUT',
        setup: () => jobFixture('job_manager', stranger.id),
        path: (f) => `/api/v1/jobs/${f.jobId}`,
        body: { minute: '61' },
        status: 404,
      },
      {
        name: "PUT /api/v1/jobs/<another user's> with an invalid body as supervisor",
        caller: 'supervisor',
        method: 'PUT',
        setup: () => jobFixture('supervisor', stranger.id),
        path: (f) => `/api/v1/jobs/${f.jobId}`,
        body: { minute: '61' },
        status: 403,
      },
      {
        name: 'PUT /api/v1/jobs/<own> to ShellJob with an otherwise invalid body as job_manager',
        caller: 'job_manager',
        method: 'PUT',
        setup: () => jobFixture('job_manager', actors.job_manager.id),
        path: (f) => `/api/v1/jobs/${f.jobId}`,
        body: { job_class_string: 'ShellJob', pub_args: [], minute: '61' },
        status: 403,
      },
      {
        name: 'PUT /api/v1/jobs/not-a-uuid with an invalid body as admin',
        caller: 'admin',
        method: 'PUT',
        path: () => '/api/v1/jobs/not-a-uuid',
        body: { minute: '61' },
        status: 404,
      },
      {
        name: 'GET /api/v1/jobs/<nonexistent uuid> as no_role',
        caller: 'no_role',
        method: 'GET',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'GET /api/v1/jobs/<nonexistent uuid> as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        status: 404,
      },
      {
        name: 'GET /api/v1/jobs/not-a-uuid as admin',
        caller: 'admin',
        method: 'GET',
        path: () => '/api/v1/jobs/not-a-uuid',
        status: 404,
      },
      {
        name: 'DELETE /api/v1/jobs/<nonexistent uuid> as viewer',
        caller: 'viewer',
        method: 'DELETE',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'DELETE /api/v1/jobs/<nonexistent uuid> as admin',
        caller: 'admin',
        method: 'DELETE',
        path: () => `/api/v1/jobs/${NONEXISTENT}`,
        status: 404,
      },
      {
        name: 'POST /api/v1/jobs/<nonexistent uuid>/pause as viewer',
        caller: 'viewer',
        method: 'POST',
        path: () => `/api/v1/jobs/${NONEXISTENT}/pause`,
        status: 403,
      },
      {
        name: 'POST /api/v1/jobs/<nonexistent uuid>/resume as job_manager',
        caller: 'job_manager',
        method: 'POST',
        path: () => `/api/v1/jobs/${NONEXISTENT}/resume`,
        status: 404,
      },
      // executions
      {
        name: 'GET /api/v1/executions/<nonexistent uuid> as user_admin',
        caller: 'user_admin',
        method: 'GET',
        path: () => `/api/v1/executions/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'GET /api/v1/executions/<nonexistent uuid> as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => `/api/v1/executions/${NONEXISTENT}`,
        status: 404,
      },
      {
        name: 'GET /api/v1/executions/not-a-uuid as admin',
        caller: 'admin',
        method: 'GET',
        path: () => '/api/v1/executions/not-a-uuid',
        status: 404,
      },
      {
        name: 'POST /api/v1/executions/<nonexistent uuid> as viewer',
        caller: 'viewer',
        method: 'POST',
        path: () => `/api/v1/executions/${NONEXISTENT}`,
        status: 403,
      },
      {
        name: 'POST /api/v1/executions/<nonexistent uuid> as job_manager',
        caller: 'job_manager',
        method: 'POST',
        path: () => `/api/v1/executions/${NONEXISTENT}`,
        status: 404,
      },
      {
        name: 'POST /api/v1/executions/<nonexistent uuid>/stop as viewer',
        caller: 'viewer',
        method: 'POST',
        path: () => `/api/v1/executions/${NONEXISTENT}/stop`,
        status: 403,
      },
      {
        name: 'POST /api/v1/executions/<nonexistent uuid>/stop as admin',
        caller: 'admin',
        method: 'POST',
        path: () => `/api/v1/executions/${NONEXISTENT}/stop`,
        status: 404,
      },
      {
        name: 'POST /api/v1/executions/not-a-uuid/stop as job_manager',
        caller: 'job_manager',
        method: 'POST',
        path: () => '/api/v1/executions/not-a-uuid/stop',
        status: 404,
      },
      // collection routes: permission before validation
      {
        name: 'POST /api/v1/users with an invalid body as viewer',
        caller: 'viewer',
        method: 'POST',
        path: () => '/api/v1/users',
        body: { username: '!', password: 1 },
        status: 403,
      },
      {
        name: 'POST /api/v1/roles with an invalid body as user_admin',
        caller: 'user_admin',
        method: 'POST',
        path: () => '/api/v1/roles',
        body: { name: 'Bad Name', permissions: ['no_such_permission'] },
        status: 403,
      },
      {
        name: 'GET /api/v1/logs with an invalid query as user_admin',
        caller: 'user_admin',
        method: 'GET',
        path: () => '/api/v1/logs?limit=5000&event=no_such_event',
        status: 403,
      },
      {
        name: 'GET /api/v1/logs with an invalid query as anonymous',
        caller: 'anonymous',
        method: 'GET',
        path: () => '/api/v1/logs?limit=5000',
        status: 401,
      },
      {
        name: 'GET /api/v1/logs with an invalid query as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => '/api/v1/logs?limit=5000',
        status: 400,
        field: 'limit',
      },
      {
        name: 'POST /api/v1/jobs with job_class_string ShellJob and an otherwise invalid body as job_manager',
        caller: 'job_manager',
        method: 'POST',
        path: () => '/api/v1/jobs',
        body: { name: '', job_class_string: 'ShellJob', pub_args: 'ls', minute: '61' },
        status: 403,
      },
      {
        name: 'POST /api/v1/jobs with an invalid body as viewer',
        caller: 'viewer',
        method: 'POST',
        path: () => '/api/v1/jobs',
        body: { name: '', job_class_string: 'SampleJob', minute: '61' },
        status: 403,
      },
      {
        name: 'POST /api/v1/jobs with an invalid body as job_manager',
        caller: 'job_manager',
        method: 'POST',
        path: () => '/api/v1/jobs',
        body: { name: 'bad minute', job_class_string: 'SampleJob', minute: '61', paused: true },
        status: 400,
        field: 'minute',
      },
      {
        name: 'POST /api/v1/jobs with an unknown job class as job_manager',
        caller: 'job_manager',
        method: 'POST',
        path: () => '/api/v1/jobs',
        body: { name: 'no such class', job_class_string: 'NoSuchJob', paused: true },
        status: 400,
        field: 'job_class_string',
      },
      {
        name: 'GET /api/v1/jobs with an invalid query as no_role',
        caller: 'no_role',
        method: 'GET',
        path: () => '/api/v1/jobs?limit=5000',
        status: 403,
      },
      {
        name: 'GET /api/v1/jobs with an invalid query as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => '/api/v1/jobs?limit=5000',
        status: 400,
        field: 'limit',
      },
      {
        // The owner_id filter is a permission (view_all): refused before the query is validated.
        name: 'GET /api/v1/jobs?owner_id=<uuid> with an invalid query as job_manager',
        caller: 'job_manager',
        method: 'GET',
        path: () => `/api/v1/jobs?owner_id=${NONEXISTENT}&limit=5000`,
        status: 403,
      },
      {
        name: 'GET /api/v1/jobs?owner_id=<uuid> with an invalid query as supervisor',
        caller: 'supervisor',
        method: 'GET',
        path: () => `/api/v1/jobs?owner_id=${NONEXISTENT}&limit=5000`,
        status: 400,
        field: 'limit',
      },
      {
        name: 'GET /api/v1/executions with an invalid query as user_admin',
        caller: 'user_admin',
        method: 'GET',
        path: () => '/api/v1/executions?state=no_such_state',
        status: 403,
      },
      {
        name: 'GET /api/v1/executions with an invalid query as viewer',
        caller: 'viewer',
        method: 'GET',
        path: () => '/api/v1/executions?state=no_such_state',
        status: 400,
        field: 'state',
      },
    ];

    it.each(ORDER.map((row) => [row.name, row.status, row] as const))('%s → %i', async (_name, status, row) => {
      const fixture = row.setup ? await row.setup() : {};
      const bearer = row.caller === 'anonymous' ? undefined : actors[row.caller].bearer;
      const res = await send(row.method, row.path(fixture), bearer, row.body);
      expectStatus(res, status);
      if (row.field) expect(JSON.stringify(res.body.message)).toContain(row.field);
    });
  });

  // ---------- audit logs are read-only ----------

  describe('audit logs cannot be changed or deleted through the API', () => {
    let entry: { id: string; event: string; description: string };

    const roleCreatedEntries = async () =>
      (await asAdmin('GET', '/api/v1/logs?event=role_created&limit=1000').expect(200)).body.logs as Array<{
        id: string;
        event: string;
        description: string;
      }>;

    beforeAll(async () => {
      entry = (await roleCreatedEntries()).find((log) => log.description.includes('auditor'))!;
    });

    it('has an entry to try it on (role_created for auditor)', () => {
      expect(entry).toMatchObject({ id: expect.any(String), event: 'role_created' });
    });

    const ATTEMPTS: Array<[Method, string]> = [
      ['POST', '/api/v1/logs'],
      ['PUT', '/api/v1/logs'],
      ['PATCH', '/api/v1/logs'],
      ['DELETE', '/api/v1/logs'],
      ['PUT', '/api/v1/logs/:id'],
      ['PATCH', '/api/v1/logs/:id'],
      ['DELETE', '/api/v1/logs/:id'],
    ];

    it.each(ATTEMPTS)('%s %s as admin → 404', async (method, route) => {
      const path = route.replace(':id', entry.id);
      const body = method === 'DELETE' ? undefined : { id: entry.id, event: 'deleted', description: 'tampered' };
      const res = await send(method, path, admin.bearer, body);
      expectStatus(res, 404);
    });

    it('leaves the entry as it was', async () => {
      expect((await roleCreatedEntries()).find((log) => log.id === entry.id)).toEqual(entry);
    });
  });
});
