// The baselines for API benchmarks: Nest 12 on the same Fastify adapter, no auth, no logging. Run by the
// bench scenarios as its own process: `node dist/bench/bare-app.js <port> [database url]`.
// - `GET /bare`: one Nest route, no database.
// - With a database URL, two routes straight on the Fastify instance (no Nest pipeline) with a `pg` pool of
//   10 (Cronwarden's default DB_POOL_SIZE): `GET /bare/jobs?owner_id=&limit=` and
//   `GET /bare/executions?owner_id=&limit=&time_range_start=&time_range_end=` run the page and count queries of
//   `GET /api/v1/jobs` and `/api/v1/executions` for one owner and answer `JSON.stringify` of the same body.
//   The reads scenario checks the bodies are byte-identical to the server's before it measures.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';

@Controller('bare')
class BareController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

interface JobRow {
  id: string;
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
  next_run_time: Date | null;
  max_instances: number;
  timeout_seconds: number;
  misfire_grace_seconds: number;
  coalesce: boolean;
  suspended_reason: string | null;
  owner_id: string;
  owner_username: string;
  created_time: Date;
  updated_time: Date;
  trigger: string;
  interval_seconds: number | null;
  run_date: Date | null;
  start_date: Date | null;
  end_date: Date | null;
  jitter_seconds: number;
  retries: number;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  retry_delay_max_seconds: number;
  last_execution_id: string | null;
  last_execution_state: string | null;
  last_execution_scheduled_time: Date | null;
}

interface ExecutionRow {
  id: string;
  job_id: string;
  job_name: string;
  job_class_string: string;
  state: string;
  trigger: string;
  scheduled_time: Date;
  started_time: Date | null;
  finished_time: Date | null;
  updated_time: Date;
  hostname: string | null;
  pid: number | null;
  description: string;
  result: string | null;
  owner_id: string | null;
  owner_username: string | null;
  attempt: number;
  retry_of: string | null;
}

/** The SQL of JobsService.list for one owner, the default order (name), as of this benchmark. */
const JOBS_PAGE = `
  SELECT j.id, j.name, j.job_class_string, j.pub_args, j.month, j.day_of_week, j.day, j.hour, j.minute, j.second,
         j.timezone, j.paused, j.next_run_time, j.max_instances, j.timeout_seconds, j.misfire_grace_seconds,
         j.coalesce, j.suspended_reason, j.owner_id, j.created_time, j.updated_time, u.username AS owner_username,
         j.trigger, j.interval_seconds, j.run_date, j.start_date, j.end_date, j.jitter_seconds, j.retries,
         j.retry_delay_seconds, j.retry_backoff, j.retry_delay_max_seconds,
         le.id AS last_execution_id, le.state AS last_execution_state,
         le.scheduled_time AS last_execution_scheduled_time
    FROM jobs j JOIN users u ON u.id = j.owner_id
    LEFT JOIN LATERAL (
      SELECT e.id, e.state, e.scheduled_time FROM executions e
       WHERE e.job_id = j.id ORDER BY e.scheduled_time DESC LIMIT 1
    ) le ON true
   WHERE j.owner_id = $1
   ORDER BY j.name ASC, j.id ASC LIMIT $2 OFFSET 0`;
const JOBS_COUNT = `SELECT count(*) AS total FROM jobs j WHERE j.owner_id = $1`;

/** What ExecutionsService.list asks for one owner and a time range, as one page query and one count. */
const EXECUTIONS_PAGE = `
  SELECT e.id, e.job_id, e.job_name, e.job_class_string, e.state, e.trigger, e.scheduled_time, e.started_time,
         e.finished_time, e.updated_time, e.hostname, e.pid, e.description, e.result, e.owner_id,
         u.username AS owner_username, e.attempt, e.retry_of
    FROM executions e LEFT JOIN users u ON u.id = e.owner_id
   WHERE e.owner_id = $1 AND e.scheduled_time BETWEEN $2 AND $3
   ORDER BY e.scheduled_time DESC, e.id DESC LIMIT $4`;
const EXECUTIONS_COUNT = `
  SELECT count(*) AS total FROM executions e WHERE e.owner_id = $1 AND e.scheduled_time BETWEEN $2 AND $3`;

function jobBody(row: JobRow) {
  return {
    job_id: row.id,
    name: row.name,
    job_class_string: row.job_class_string,
    pub_args: row.pub_args,
    month: row.month,
    day_of_week: row.day_of_week,
    day: row.day,
    hour: row.hour,
    minute: row.minute,
    second: row.second,
    timezone: row.timezone,
    paused: row.paused,
    next_run_time: iso(row.next_run_time),
    max_instances: row.max_instances,
    timeout_seconds: row.timeout_seconds,
    misfire_grace_seconds: row.misfire_grace_seconds,
    coalesce: row.coalesce,
    suspended_reason: row.suspended_reason,
    owner: { id: row.owner_id, username: row.owner_username },
    created_time: row.created_time.toISOString(),
    updated_time: row.updated_time.toISOString(),
    trigger: row.trigger,
    interval_seconds: row.interval_seconds,
    run_date: iso(row.run_date),
    start_date: iso(row.start_date),
    end_date: iso(row.end_date),
    jitter_seconds: row.jitter_seconds,
    retries: row.retries,
    retry_delay_seconds: row.retry_delay_seconds,
    retry_backoff: row.retry_backoff,
    retry_delay_max_seconds: row.retry_delay_max_seconds,
    last_execution:
      row.last_execution_id && row.last_execution_state && row.last_execution_scheduled_time
        ? {
            execution_id: row.last_execution_id,
            state: row.last_execution_state,
            scheduled_time: row.last_execution_scheduled_time.toISOString(),
          }
        : null,
  };
}

function executionBody(row: ExecutionRow) {
  return {
    execution_id: row.id,
    job: { job_id: row.job_id, name: row.job_name, job_class_string: row.job_class_string },
    state: row.state,
    trigger: row.trigger,
    scheduled_time: row.scheduled_time.toISOString(),
    started_time: iso(row.started_time),
    finished_time: iso(row.finished_time),
    updated_time: row.updated_time.toISOString(),
    hostname: row.hostname,
    pid: row.pid,
    description: row.description,
    result: row.result,
    owner: row.owner_id ? { id: row.owner_id, username: row.owner_username ?? '' } : null,
    attempt: row.attempt,
    retry_of: row.retry_of,
  };
}

type Query = Record<string, string | undefined>;

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
const databaseUrl = process.argv[3];
const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 10 }) : undefined;
if (pool) {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/bare/jobs', async (request, reply) => {
    const query = request.query as Query;
    const values = [query.owner_id, Number(query.limit ?? 100)];
    const [page, count] = await Promise.all([
      pool.query<JobRow>({ name: 'bare_jobs_page', text: JOBS_PAGE, values }),
      pool.query<{ total: string }>({ name: 'bare_jobs_count', text: JOBS_COUNT, values: [query.owner_id] }),
    ]);
    const body = { jobs: page.rows.map(jobBody), total: Number(count.rows[0].total) };
    return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
  });
  fastify.get('/bare/executions', async (request, reply) => {
    const query = request.query as Query;
    const end = query.time_range_end ? new Date(query.time_range_end) : new Date();
    const start = query.time_range_start ? new Date(query.time_range_start) : new Date(end.getTime() - 3_600_000);
    const range = [query.owner_id, start, end];
    const [page, count] = await Promise.all([
      pool.query<ExecutionRow>({
        name: 'bare_executions_page',
        text: EXECUTIONS_PAGE,
        values: [...range, Number(query.limit ?? 100)],
      }),
      pool.query<{ total: string }>({ name: 'bare_executions_count', text: EXECUTIONS_COUNT, values: range }),
    ]);
    const body = { executions: page.rows.map(executionBody), total: Number(count.rows[0].total) };
    return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
  });
}
await app.listen(Number(process.argv[2] ?? 9999), '127.0.0.1');
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(async () => pool?.end())
      .then(() => process.exit(0)),
);
