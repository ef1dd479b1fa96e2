import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { BENCH_ADMIN, jobManager, login, type Session } from '../support/api-client.js';
import { connect } from '../support/db.js';
import { loadEach, type BatchResult, type BenchRequest } from '../support/load.js';
import { cpuMsOf, descendantsCpuMsOf, startCronwarden, type RunningCronwarden } from '../support/processes.js';
import { median, round } from '../support/stats.js';

export const WRITE_PHASES = ['create', 'update', 'pause', 'resume', 'run_now', 'delete'] as const;
export type WritePhase = (typeof WRITE_PHASES)[number];

export interface PhaseFigures extends BatchResult {
  /** CPU of the server's Node process (utime + stime) over the phase and 0.5 s after it, per request. */
  server_cpu_ms_per_request: number;
  /** The same for the embedded PostgreSQL (the server's child processes). */
  db_cpu_ms_per_request: number;
  /** Run now only: answers 409 (max_instances) and 429 (MAX_RUNNING_PER_USER), not counted as done. */
  refused?: number;
  /** Run now only: from the phase's start until every run it started had finished. */
  runs_finished_ms?: number;
  /** `ok` when the database holds what the phase's answers claim (500 rows paused after 500 pauses), else what differs. */
  database_check: string;
}

export interface WritesFigures {
  date: string;
  jobs: number;
  connections: number;
  rounds: number;
  server_settings: Record<string, string>;
  /** Per phase, each figure's median over the rounds. */
  median: Record<
    WritePhase,
    {
      requests_per_s: number;
      p50_ms: number;
      p99_ms: number;
      server_cpu_ms_per_request: number;
      db_cpu_ms_per_request: number;
    }
  >;
  per_round: Array<Record<WritePhase, PhaseFigures>>;
  notes: string[];
}

/** The server settings of the write benchmarks: run now is never refused by the per-user limit. */
export const WRITES_SERVER_ENV = {
  ADMIN_PASSWORD: BENCH_ADMIN.password,
  LOG_LEVEL: 'warn',
  MAX_RUNNING_PER_USER: '100000',
};

/** An hour of the day 12 hours away, so the jobs of a run never fire during it. */
function quietHour(): string {
  return String((new Date().getUTCHours() + 12) % 24);
}

async function measured(
  server: RunningCronwarden,
  run: () => Promise<BatchResult>,
): Promise<BatchResult & Pick<PhaseFigures, 'server_cpu_ms_per_request' | 'db_cpu_ms_per_request'>> {
  const pid = server.proc.pid!;
  const [cpuBefore, dbBefore] = [await cpuMsOf(pid), await descendantsCpuMsOf(pid)];
  const result = await run();
  await sleep(500);
  const [cpuAfter, dbAfter] = [await cpuMsOf(pid), await descendantsCpuMsOf(pid)];
  const per = (ms: number) => round(ms / Math.max(1, result.requests), 2);
  return {
    ...result,
    server_cpu_ms_per_request: per(cpuAfter - cpuBefore),
    db_cpu_ms_per_request: per(dbAfter - dbBefore),
  };
}

function expect(actual: number, wanted: number, what: string): string {
  return actual === wanted ? 'ok' : `${what}: ${actual} rows, expected ${wanted}`;
}

async function count(client: pg.Client, sql: string, values: unknown[]): Promise<number> {
  const { rows } = await client.query<{ n: string }>(sql, values);
  return Number(rows[0].n);
}

/**
 * One round: `jobs` SampleJobs created through the API by a non-admin user, then each of them
 * updated, paused, resumed, run now and deleted, `connections` requests at a time, phase after phase.
 */
export async function writeRound(
  server: RunningCronwarden,
  user: Session,
  label: string,
  jobs: number,
  connections: number,
  /** Run after run now and before the deletes (the memory scenario lists the jobs and executions there). */
  beforeDelete?: () => Promise<void>,
): Promise<Record<WritePhase, PhaseFigures>> {
  const client = await connect(server.databaseUrl);
  const headers = { authorization: `Bearer ${user.token}` };
  const send = (requests: BenchRequest[]) =>
    measured(server, () => loadEach({ url: server.url, connections, headers, requests }));
  const prefix = `${label}-`;
  const ofRound = `owner_id = $1 AND starts_with(name, $2)`;
  try {
    const hour = quietHour();
    const create = await send(
      Array.from({ length: jobs }, (_, i) => ({
        method: 'POST' as const,
        path: '/api/v1/jobs',
        body: JSON.stringify({
          name: `${prefix}${i}`,
          job_class_string: 'SampleJob',
          pub_args: ['bench'],
          second: '0',
          minute: '0',
          hour,
        }),
      })),
    );
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM jobs WHERE ${ofRound}`, [user.userId, prefix]);
    const ids = rows.map((row) => row.id);
    const each = (method: BenchRequest['method'], path: (id: string) => string, body?: object) =>
      ids.map((id) => ({ method, path: path(id), body: body ? JSON.stringify(body) : undefined }));

    const update = await send(each('PUT', (id) => `/api/v1/jobs/${id}`, { minute: '15', pub_args: ['updated'] }));
    const updated = await count(client, `SELECT count(*) AS n FROM jobs WHERE ${ofRound} AND minute = '15'`, [
      user.userId,
      prefix,
    ]);
    const pause = await send(each('POST', (id) => `/api/v1/jobs/${id}/pause`));
    const paused = await count(
      client,
      `SELECT count(*) AS n FROM jobs WHERE ${ofRound} AND paused AND next_run_time IS NULL`,
      [user.userId, prefix],
    );
    const resume = await send(each('POST', (id) => `/api/v1/jobs/${id}/resume`));
    const resumed = await count(
      client,
      `SELECT count(*) AS n FROM jobs WHERE ${ofRound} AND NOT paused AND next_run_time IS NOT NULL`,
      [user.userId, prefix],
    );

    const runStarted = Date.now();
    const runNow = await send(each('POST', (id) => `/api/v1/executions/${id}`));
    const runsOf = `FROM executions WHERE owner_id = $1 AND trigger = 'manual' AND starts_with(job_name, $2)`;
    let unfinished = Number.POSITIVE_INFINITY;
    while (unfinished > 0 && Date.now() - runStarted < 60_000) {
      unfinished = await count(client, `SELECT count(*) AS n ${runsOf} AND state IN ('scheduled', 'running')`, [
        user.userId,
        prefix,
      ]);
      if (unfinished > 0) await sleep(100);
    }
    const runsFinishedMs = Date.now() - runStarted;
    const recorded = await count(client, `SELECT count(*) AS n ${runsOf} AND state = 'succeeded'`, [
      user.userId,
      prefix,
    ]);

    await beforeDelete?.();
    const remove = await send(each('DELETE', (id) => `/api/v1/jobs/${id}`));
    const left = await count(client, `SELECT count(*) AS n FROM jobs WHERE ${ofRound}`, [user.userId, prefix]);

    const ok = (result: BatchResult, status: string) => result.statuses[status] ?? 0;
    return {
      create: { ...create, database_check: expect(ids.length, ok(create, '201'), 'jobs created') },
      update: { ...update, database_check: expect(updated, ok(update, '200'), 'jobs updated') },
      pause: { ...pause, database_check: expect(paused, ok(pause, '200'), 'jobs paused') },
      resume: { ...resume, database_check: expect(resumed, ok(resume, '200'), 'jobs resumed and scheduled') },
      run_now: {
        ...runNow,
        refused: ok(runNow, '409') + ok(runNow, '429'),
        runs_finished_ms: unfinished > 0 ? -1 : runsFinishedMs,
        database_check: expect(recorded, ok(runNow, '201'), 'manual runs succeeded'),
      },
      delete: { ...remove, database_check: expect(jobs - left, ok(remove, '200'), 'jobs deleted') },
    };
  } finally {
    await client.end();
  }
}

/** Signs in the bench admin and creates the non-admin user whose jobs the rounds write. */
export async function writer(server: RunningCronwarden): Promise<Session> {
  return jobManager(server.url, await login(server.url, BENCH_ADMIN), 'writer');
}

/**
 * Job writes against the built server on its own embedded PostgreSQL: `rounds` rounds of
 * {@link writeRound}, one server, figures per round and their medians.
 */
export async function writesScenario(rounds = 3, jobs = 500, connections = 16): Promise<WritesFigures> {
  const server = await startCronwarden(WRITES_SERVER_ENV);
  try {
    const user = await writer(server);
    const perRound: Array<Record<WritePhase, PhaseFigures>> = [];
    for (let i = 1; i <= rounds; i += 1) perRound.push(await writeRound(server, user, `w${i}`, jobs, connections));
    const of = (phase: WritePhase, pick: (figures: PhaseFigures) => number) =>
      median(perRound.map((figures) => pick(figures[phase])));
    const medians = Object.fromEntries(
      WRITE_PHASES.map((phase) => [
        phase,
        {
          requests_per_s: of(phase, (f) => f.requests_per_s),
          p50_ms: of(phase, (f) => f.latency_ms.p50),
          p99_ms: of(phase, (f) => f.latency_ms.p99),
          server_cpu_ms_per_request: of(phase, (f) => f.server_cpu_ms_per_request),
          db_cpu_ms_per_request: of(phase, (f) => f.db_cpu_ms_per_request),
        },
      ]),
    ) as WritesFigures['median'];
    return {
      date: new Date().toISOString(),
      jobs,
      connections,
      rounds,
      server_settings: WRITES_SERVER_ENV,
      median: medians,
      per_round: perRound,
      notes: [
        'one server for all rounds; a non-admin job_manager writes, so the per-user job limit is checked',
        'jobs are daily SampleJobs 12 hours away (none fires); run now runs SampleJob("bench") with no sleep',
        'rate: requests over wall time, first request to last answer; CPU: /proc stat ticks (10 ms)',
      ],
    };
  } finally {
    await server.stop();
  }
}
