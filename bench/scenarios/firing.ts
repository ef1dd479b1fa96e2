import { setTimeout as sleep } from 'node:timers/promises';
import { load, type LoadResult } from '../support/load.js';
import { adminId, connect, insertJobs, wholeSecondsFromNow } from '../support/db.js';
import { restartCronwarden, startCronwarden, type RunningCronwarden } from '../support/processes.js';

/**
 * The admin owns every job, and the fires of a second are claimed together: with the default limit (50
 * runs of one owner at once) most of them would be skipped, which is not what is measured here.
 */
const UNLIMITED_RUNS = '100000';

export interface FiringFigures {
  mode: string;
  jobs: number;
  window_s: number;
  fires_expected: number;
  executions_recorded: number;
  missing: number;
  duplicates: number;
  by_state: Record<string, number>;
  /** started_time − scheduled_time. */
  start_delay_ms: { p50: number; p99: number; max: number };
  /** finished_time − scheduled_time. */
  finish_delay_ms: { p50: number; p99: number; max: number };
  event_loop_p99_ms_max: number;
  /** GET /health (a database ping) at 4 connections during the run. */
  api_during_firing: Pick<LoadResult, 'requests_per_s' | 'latency_ms' | 'non_2xx'>;
}

interface DelayRow {
  recorded: string;
  distinct_fires: string;
  p50_start: number;
  p99_start: number;
  max_start: number;
  p50_finish: number;
  p99_finish: number;
  max_finish: number;
}

async function eventLoopP99(server: RunningCronwarden): Promise<number> {
  const health = (await (await fetch(`${server.url}/health`)).json()) as { event_loop?: { p99_ms?: number } };
  return health.event_loop?.p99_ms ?? 0;
}

/** Reads back what happened to the fires of [from, from + windowS): counts, states and delays. */
async function measure(server: RunningCronwarden, from: Date, windowS: number) {
  const client = await connect(server.databaseUrl);
  try {
    const to = new Date(from.getTime() + windowS * 1000);
    const { rows } = await client.query<DelayRow>(
      `SELECT count(*) AS recorded, count(DISTINCT (job_id, scheduled_time)) AS distinct_fires,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_time - scheduled_time) * 1000) AS p50_start,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_time - scheduled_time) * 1000) AS p99_start,
              max(extract(epoch FROM started_time - scheduled_time) * 1000) AS max_start,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_time - scheduled_time) * 1000) AS p50_finish,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_time - scheduled_time) * 1000) AS p99_finish,
              max(extract(epoch FROM finished_time - scheduled_time) * 1000) AS max_finish
         FROM executions WHERE scheduled_time >= $1 AND scheduled_time < $2`,
      [from, to],
    );
    const states = await client.query<{ state: string; count: string }>(
      `SELECT state, count(*) FROM executions WHERE scheduled_time >= $1 AND scheduled_time < $2 GROUP BY state`,
      [from, to],
    );
    const row = rows[0];
    const round = (value: number | null): number => Math.round((value ?? 0) * 10) / 10;
    return {
      recorded: Number(row.recorded),
      duplicates: Number(row.recorded) - Number(row.distinct_fires),
      byState: Object.fromEntries(states.rows.map((state) => [state.state, Number(state.count)])),
      start: { p50: round(row.p50_start), p99: round(row.p99_start), max: round(row.max_start) },
      finish: { p50: round(row.p50_finish), p99: round(row.p99_finish), max: round(row.max_finish) },
    };
  } finally {
    await client.end();
  }
}

/**
 * `jobs` SampleJobs firing every second for `windowS` seconds on one instance in the given
 * scheduler mode: every fire should be recorded once, started within tens of milliseconds.
 */
export async function firingRun(mode: 'dispatcher' | 'cronjob', jobs: number, windowS: number): Promise<FiringFigures> {
  const empty = await startCronwarden({
    LOG_LEVEL: 'warn',
    MAX_RUNNING_PER_USER: UNLIMITED_RUNS,
    SCHEDULER_MODE: mode,
  });
  const client = await connect(empty.databaseUrl);
  // Registration at start takes a moment: the first measured fire is a few seconds after it.
  const firstFire = wholeSecondsFromNow(8);
  try {
    await insertJobs(client, { count: jobs, ownerId: await adminId(client), second: '*', firstFire });
  } finally {
    await client.end();
  }
  await empty.halt();
  const server = await restartCronwarden(empty);
  try {
    const from = new Date(Math.max(wholeSecondsFromNow(2).getTime(), firstFire.getTime()));
    await sleep(from.getTime() - Date.now());
    const loopP99: number[] = [];
    const sampler = setInterval(() => void eventLoopP99(server).then((p99) => loopP99.push(p99)), 10_000);
    const api = await load({ url: `${server.url}/health`, connections: 4, durationSeconds: windowS });
    clearInterval(sampler);
    await sleep(3_000);
    loopP99.push(await eventLoopP99(server));
    const measured = await measure(server, from, windowS);
    const expected = jobs * windowS;
    return {
      mode,
      jobs,
      window_s: windowS,
      fires_expected: expected,
      executions_recorded: measured.recorded,
      missing: expected - (measured.recorded - measured.duplicates),
      duplicates: measured.duplicates,
      by_state: measured.byState,
      start_delay_ms: measured.start,
      finish_delay_ms: measured.finish,
      event_loop_p99_ms_max: Math.max(...loopP99),
      api_during_firing: { requests_per_s: api.requests_per_s, latency_ms: api.latency_ms, non_2xx: api.non_2xx },
    };
  } finally {
    await server.stop();
  }
}

/** `jobs` SampleJobs all due in the same second, once: lost, doubled, and how late they start. */
export async function burstRun(jobs: number): Promise<Omit<FiringFigures, 'api_during_firing' | 'mode'>> {
  const empty = await startCronwarden({ LOG_LEVEL: 'warn', MAX_RUNNING_PER_USER: UNLIMITED_RUNS });
  const client = await connect(empty.databaseUrl);
  const fireAt = wholeSecondsFromNow(25);
  try {
    const second = String(fireAt.getUTCSeconds());
    const minute = String(fireAt.getUTCMinutes());
    await insertJobs(client, { count: jobs, ownerId: await adminId(client), second, minute, firstFire: fireAt });
  } finally {
    await client.end();
  }
  await empty.halt();
  const server = await restartCronwarden(empty);
  try {
    await sleep(Math.max(0, fireAt.getTime() - Date.now()) + 8_000);
    const measured = await measure(server, fireAt, 1);
    return {
      jobs,
      window_s: 1,
      fires_expected: jobs,
      executions_recorded: measured.recorded,
      missing: jobs - (measured.recorded - measured.duplicates),
      duplicates: measured.duplicates,
      by_state: measured.byState,
      start_delay_ms: measured.start,
      finish_delay_ms: measured.finish,
      event_loop_p99_ms_max: await eventLoopP99(server),
    };
  } finally {
    await server.stop();
  }
}

export async function firingScenario(seconds: number) {
  return {
    sustained_1000_per_second: [
      await firingRun('dispatcher', 1000, seconds),
      await firingRun('cronjob', 1000, seconds),
    ],
    burst_1000: await burstRun(1000),
    burst_10000: await burstRun(10_000),
  };
}
