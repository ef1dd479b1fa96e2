import pg from 'pg';
import type { Actor } from './actors.js';
import type { TestApp } from './test-app.js';

/** The job object of API.md ("Jobs"). */
export interface JobBody {
  job_id: string;
  name: string;
  job_class_string: string;
  pub_args: unknown[];
  month: string;
  day_of_week: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  timezone: string;
  paused: boolean;
  next_run_time: string | null;
  max_instances: number;
  timeout_seconds: number;
  misfire_grace_seconds: number;
  coalesce: boolean;
  /** Why nothing of the job runs (its owner is disabled or lacks its class's permission), or null. */
  suspended_reason: string | null;
  owner: { id: string; username: string };
  created_time: string;
  updated_time: string;
}

/** The execution object of API.md ("Executions"). */
export interface ExecutionBody {
  execution_id: string;
  job: { job_id: string; name: string; job_class_string: string };
  state: string;
  trigger: string;
  scheduled_time: string;
  started_time: string | null;
  finished_time: string | null;
  updated_time: string;
  hostname: string | null;
  pid: number | null;
  description: string;
  result: string | null;
  owner: { id: string; username: string } | null;
}

export interface AuditLogBody {
  id: string;
  job_id: string | null;
  job_name: string | null;
  event: string;
  user: string;
  user_id: string | null;
  owner_id: string | null;
  created_time: string;
  description: string;
}

export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
}

/** An execution row as stored. */
export interface ExecutionRow {
  id: string;
  job_id: string;
  job_name: string;
  owner_id: string | null;
  state: string;
  trigger: string;
  scheduled_time: Date;
  started_time: Date | null;
  finished_time: Date | null;
  hostname: string | null;
  pid: number | null;
  description: string;
  result: string | null;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

export const messagesOf = (body: ErrorBody): string[] => (Array.isArray(body.message) ? body.message : [body.message]);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined/null/false, and
 * returns that value; throws (with `what`) when `timeoutMs` passes first.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined | null | false;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== null && last !== false) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A direct connection to the test app's database, for checks behind the API. */
export class Db {
  private constructor(private readonly client: pg.Client) {}

  static async connect(t: TestApp): Promise<Db> {
    const client = new pg.Client({ connectionString: t.database.url });
    client.on('error', () => undefined);
    await client.connect();
    return new Db(client);
  }

  async rows<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query<T>(text, params)).rows;
  }

  async count(text: string, params: unknown[] = []): Promise<number> {
    const rows = await this.rows<{ count: string }>(text, params);
    return Number(rows[0].count);
  }

  jobCount(): Promise<number> {
    return this.count('SELECT count(*) AS count FROM jobs');
  }

  /** The job's executions as stored, oldest scheduled first. */
  executions(jobId: string): Promise<ExecutionRow[]> {
    return this.rows<ExecutionRow>(
      `SELECT id, job_id, job_name, owner_id, state, trigger, scheduled_time, started_time, finished_time,
              hostname, pid, description, result
         FROM executions WHERE job_id = $1 ORDER BY scheduled_time ASC, id ASC`,
      [jobId],
    );
  }

  async job(jobId: string): Promise<Record<string, unknown> | null> {
    const rows = await this.rows('SELECT * FROM jobs WHERE id = $1', [jobId]);
    return rows[0] ?? null;
  }

  end(): Promise<void> {
    return this.client.end();
  }
}

/**
 * Sends `count` requests at once while another session holds a SHARE lock on `table` (no insert can
 * go on), and lets go only once every one of them waits for a lock: so they all reach the point of
 * inserting their row together, the worst case for a check-then-insert race. Returns the
 * answers in the order sent.
 */
export async function allAtOnce<T>(
  t: TestApp,
  count: number,
  send: () => PromiseLike<T>,
  table: 'executions' | 'jobs' = 'executions',
): Promise<T[]> {
  const locker = await Db.connect(t);
  // Another session: pg_stat_activity is a snapshot fixed for the rest of a transaction.
  const watcher = await Db.connect(t);
  try {
    await locker.rows('BEGIN');
    await locker.rows(`LOCK TABLE ${table} IN SHARE MODE`);
    const answers = Promise.all(Array.from({ length: count }, () => send()));
    await waitFor(
      `${count} sessions waiting for a lock`,
      async () =>
        (await watcher.count(
          `SELECT count(*) AS count FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )) >= count,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    await locker.rows('COMMIT');
    return await answers;
  } finally {
    await locker.rows('ROLLBACK').catch(() => undefined);
    await Promise.all([locker.end(), watcher.end()]);
  }
}

/** Thin authenticated REST helpers for one app. */
export function restClient(t: TestApp) {
  const as = (actor: Actor) => ({
    get: (url: string) => t.http().get(url).set('Authorization', actor.bearer),
    post: (url: string) => t.http().post(url).set('Authorization', actor.bearer),
    put: (url: string) => t.http().put(url).set('Authorization', actor.bearer),
    patch: (url: string) => t.http().patch(url).set('Authorization', actor.bearer),
    delete: (url: string) => t.http().delete(url).set('Authorization', actor.bearer),
  });
  return {
    as,
    /** Creates a job and fails loudly unless the answer is 201. */
    async createJob(actor: Actor, body: Record<string, unknown>): Promise<JobBody> {
      const res = await as(actor).post('/api/v1/jobs').send(body);
      if (res.status !== 201) throw new Error(`creating a job failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as JobBody;
    },
    /** Every audit entry the actor sees for this job (default range: the last hour), newest first. */
    async jobLogs(actor: Actor, jobId: string, event?: string): Promise<AuditLogBody[]> {
      const res = await as(actor)
        .get('/api/v1/logs')
        .query({ job_id: jobId, limit: 1000, ...(event ? { event } : {}) });
      if (res.status !== 200) throw new Error(`listing logs failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { logs: AuditLogBody[] }).logs;
    },
  };
}

/** Whole seconds (epoch s) of a list of times. */
export const epochSeconds = (times: Array<Date | string>): number[] =>
  times.map((time) => new Date(time).getTime() / 1000);
