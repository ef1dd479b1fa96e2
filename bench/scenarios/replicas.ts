import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminId, connect, insertJobs, wholeSecondsFromNow } from '../support/db.js';
import {
  processUsage,
  startCronwardenOn,
  startPostgres,
  type RunningCronwarden,
  type RunningPostgres,
} from '../support/processes.js';

/** A run is within target when its p99 start delay stays under this, with nothing missing or doubled. */
const P99_TARGET_MS = 50;
/** 3 instances on the same cores should still record this share of one instance's executions per second. */
const RATIO_TARGET = 0.8;
/** Seconds between the first fire and the start of the window (pool, JIT and timeline warm-up). */
const WARM_UP_S = 2;
/** Seconds after the instances are all up before a window may start. */
const AFTER_UP_S = 3;
/** Seconds after the window before reading back: the last second's claims are written by then. */
const SETTLE_S = 2;

export interface InstanceFigures {
  instance_id: string;
  executions: number;
  /** Fires this instance proposed in the window that another instance had already claimed. */
  claims_lost: number | null;
  event_loop_p99_ms: number | null;
  cpu_s: number;
  /** warn (level 40) and error-or-worse (50+) lines the instance logged during the run. */
  log_warnings: number;
  log_errors: number;
}

export interface ReplicaRun {
  instances: number;
  jobs_per_s: number;
  window_s: number;
  expected: number;
  recorded: number;
  duplicates: number;
  missing: number;
  by_state: Record<string, number>;
  executions_per_s: number;
  /** started_time − scheduled_time of the fires of the window that started. */
  start_delay_ms: { p50: number; p99: number; max: number };
  /** Keyed 1..n in start order; `other` holds rows of no instance of this run (none expected). */
  per_instance: Record<string, InstanceFigures | { executions: number }>;
  /** Sum over the instances; null when /health does not expose dispatcher stats. */
  claims_lost: number | null;
  /** Seconds from launching the instances until all answered /health. */
  startup_s: number;
  /** Instances that died before they were asked to stop (absent when none). */
  instances_exited_early?: number;
  within_target: boolean;
  /** Distinct warn/error messages of all instances with how often each was logged (absent when none). */
  log_messages?: Record<string, number>;
}

export interface ReplicasFigures {
  runs: ReplicaRun[];
  /** Per instance count, the highest rate within target (p99 < 50 ms, none missing, none doubled); null if none. */
  knee: Record<string, number | null>;
  ratio_3_vs_1_executions_per_s_at_top_rate: number | null;
  /** The same ratio at every rate of the ladder (the top rate may be past both knees). */
  ratio_3_vs_1_executions_per_s_by_rate: Record<string, number | null>;
  target_met: boolean;
  notes: string[];
}

interface HealthBody {
  instance?: { id?: string };
  event_loop?: { p99_ms?: number };
  dispatch?: { lost_to_others?: number };
}

/** The instance's /health body; empty when it does not answer (an instance that died shows in the run). */
async function health(server: RunningCronwarden): Promise<HealthBody> {
  try {
    const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5_000) });
    return (await response.json()) as HealthBody;
  } catch {
    return {};
  }
}

/** Fires this instance lost to another one since it started (`dispatch` in /health); null when it did not answer. */
function lostToOthers(body: HealthBody): number | null {
  return typeof body.dispatch?.lost_to_others === 'number' ? body.dispatch.lost_to_others : null;
}

const [WARN, ERROR] = [40, 50];

/** The instance's log lines of level warn or worse, as {level, msg}; a line that is not JSON counts as an error. */
function problems(server: RunningCronwarden): Array<{ level: number; msg: string }> {
  return server.output.flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      const { level = 0, msg = '' } = JSON.parse(line) as { level?: number; msg?: string };
      return level >= WARN ? [{ level, msg }] : [];
    } catch {
      return [{ level: ERROR, msg: line }];
    }
  });
}

/** At most this many distinct messages are reported per run. */
const MAX_MESSAGES = 10;

interface WindowRow {
  recorded: string;
  distinct_fires: string;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

async function measure(databaseUrl: string, from: Date, windowS: number) {
  const client = await connect(databaseUrl);
  try {
    const to = new Date(from.getTime() + windowS * 1000);
    const delay = 'extract(epoch FROM started_time - scheduled_time) * 1000';
    const { rows } = await client.query<WindowRow>(
      `SELECT count(*) AS recorded, count(DISTINCT (job_id, scheduled_time)) AS distinct_fires,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${delay}) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ${delay}) AS p99,
              max(${delay}) AS max
         FROM executions WHERE scheduled_time >= $1 AND scheduled_time < $2`,
      [from, to],
    );
    const states = await client.query<{ state: string; count: string }>(
      `SELECT state, count(*) FROM executions WHERE scheduled_time >= $1 AND scheduled_time < $2 GROUP BY state`,
      [from, to],
    );
    const instances = await client.query<{ instance_id: string | null; count: string }>(
      `SELECT instance_id, count(*) FROM executions WHERE scheduled_time >= $1 AND scheduled_time < $2
        GROUP BY instance_id`,
      [from, to],
    );
    const round = (value: number | null): number => Math.round((value ?? 0) * 10) / 10;
    return {
      recorded: Number(rows[0].recorded),
      distinct: Number(rows[0].distinct_fires),
      start: { p50: round(rows[0].p50), p99: round(rows[0].p99), max: round(rows[0].max) },
      byState: Object.fromEntries(states.rows.map((row) => [row.state, Number(row.count)])),
      byInstance: new Map(instances.rows.map((row) => [row.instance_id ?? 'null', Number(row.count)])),
    };
  } finally {
    await client.end();
  }
}

/** Starts `count` instances at once; if any fails, stops the others and throws. */
async function startInstances(
  databaseUrl: string,
  count: number,
  env: Record<string, string>,
): Promise<RunningCronwarden[]> {
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startCronwardenOn(databaseUrl, env)));
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((server) => server.stop()));
    throw failure.reason;
  }
  return started;
}

interface RunContext {
  databaseUrl: string;
  ownerId: string;
  env: Record<string, string>;
  /** Per instance count, seconds from now to the first fire; grows when instances took about that long to come up. */
  leadS: Map<number, number>;
}

/**
 * `jobs` SampleJobs firing every second, written before `instances` instances start on the shared
 * database; the window starts once all are up and warm. Read back from the executions table.
 */
async function replicaRun(context: RunContext, instances: number, jobs: number, windowS: number): Promise<ReplicaRun> {
  const client = await connect(context.databaseUrl);
  const leadS = context.leadS.get(instances) ?? 4 + 2 * instances;
  const firstFire = wholeSecondsFromNow(leadS);
  try {
    await client.query('TRUNCATE executions, jobs');
    await insertJobs(client, { count: jobs, ownerId: context.ownerId, second: '*', firstFire });
    await client.query('ANALYZE jobs');
  } finally {
    await client.end();
  }
  const launched = Date.now();
  const servers = await startInstances(context.databaseUrl, instances, context.env);
  try {
    const up = Date.now();
    const startupS = (up - launched) / 1000;
    // Up less than a second before the first fire (or after it, so it fired late): more lead next time.
    if (up > firstFire.getTime() - 1000) context.leadS.set(instances, Math.ceil(startupS) + 2);
    const from = new Date(
      Math.max(firstFire.getTime() + WARM_UP_S * 1000, wholeSecondsFromNow(AFTER_UP_S - 1).getTime()),
    );
    await sleep(from.getTime() - Date.now());
    const before = await Promise.all(servers.map(health));
    await sleep(from.getTime() + windowS * 1000 - Date.now());
    const after = await Promise.all(servers.map(health));
    const usage = await Promise.all(
      servers.map((server) => processUsage(server.proc.pid!).catch(() => ({ rssMiB: 0, cpuSeconds: 0 }))),
    );
    await sleep(SETTLE_S * 1000);
    const exitedEarly = servers.filter((server) => server.proc.exitCode !== null || server.proc.signalCode !== null);
    await Promise.all(servers.map((server) => server.halt()));

    const measured = await measure(context.databaseUrl, from, windowS);
    const expected = jobs * windowS;
    const perInstance: ReplicaRun['per_instance'] = {};
    const ours = new Set<string>();
    servers.forEach((server, index) => {
      const id = before[index].instance?.id ?? after[index].instance?.id ?? `unknown-${index + 1}`;
      ours.add(id);
      const [lostBefore, lostAfter] = [lostToOthers(before[index]), lostToOthers(after[index])];
      perInstance[String(index + 1)] = {
        instance_id: id,
        executions: measured.byInstance.get(id) ?? 0,
        claims_lost: lostBefore === null || lostAfter === null ? null : lostAfter - lostBefore,
        event_loop_p99_ms: after[index].event_loop?.p99_ms ?? null,
        cpu_s: Math.round(usage[index].cpuSeconds * 10) / 10,
        log_warnings: problems(server).filter((line) => line.level < ERROR).length,
        log_errors: problems(server).filter((line) => line.level >= ERROR).length,
      };
    });
    const other = [...measured.byInstance].filter(([id]) => !ours.has(id)).reduce((sum, [, count]) => sum + count, 0);
    if (other > 0) perInstance['other'] = { executions: other };
    const lost = Object.values(perInstance).map((figures) => ('claims_lost' in figures ? figures.claims_lost : 0));
    const duplicates = measured.recorded - measured.distinct;
    const missing = expected - measured.distinct;
    const messages: Record<string, number> = {};
    for (const { msg } of servers.flatMap(problems)) {
      const key = msg.slice(0, 200);
      if (key in messages || Object.keys(messages).length < MAX_MESSAGES) messages[key] = (messages[key] ?? 0) + 1;
    }
    return {
      instances,
      jobs_per_s: jobs,
      window_s: windowS,
      expected,
      recorded: measured.recorded,
      duplicates,
      missing,
      by_state: measured.byState,
      executions_per_s: Math.round((measured.recorded / windowS) * 10) / 10,
      start_delay_ms: measured.start,
      per_instance: perInstance,
      claims_lost: lost.includes(null) ? null : lost.reduce<number>((sum, value) => sum + (value ?? 0), 0),
      startup_s: Math.round(startupS * 10) / 10,
      ...(exitedEarly.length > 0 ? { instances_exited_early: exitedEarly.length } : {}),
      within_target: measured.start.p99 < P99_TARGET_MS && missing === 0 && duplicates === 0,
      ...(Object.keys(messages).length > 0 ? { log_messages: messages } : {}),
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/**
 * Fires per second sustained by 1 and by 3 instances on one PostgreSQL: for each instance count and
 * each rate of the ladder, `rate` SampleJobs firing every second for `windowS` seconds. Reports the
 * knee (highest rate with p99 start delay < 50 ms, none missing, none doubled), claims lost to other
 * instances, and how 3 instances sharing the cores compare with one at the top rate.
 */
export async function replicasScenario(
  windowS: number,
  rates: number[] = [250, 500, 1000, 2000, 3000],
  instanceCounts: number[] = [1, 3],
): Promise<ReplicasFigures> {
  const postgres: RunningPostgres = await startPostgres();
  try {
    const env = {
      LOG_LEVEL: 'warn',
      // The same signing key on every instance, as a deployment behind one load balancer needs.
      JWT_SECRET: randomBytes(32).toString('hex'),
      // The admin owns every job: with the default of 50, a second whose claim comes while the previous
      // second's executions are not yet recorded as finished is skipped whole, which is not what is measured.
      MAX_RUNNING_PER_USER: '100000',
    };
    // One instance alone first: migrations and the first admin, without instances racing for them.
    const setup = await startCronwardenOn(postgres.databaseUrl, env);
    await setup.stop();
    const client = await connect(postgres.databaseUrl);
    const ownerId = await adminId(client).finally(() => client.end());

    const context: RunContext = { databaseUrl: postgres.databaseUrl, ownerId, env, leadS: new Map() };
    const runs: ReplicaRun[] = [];
    for (const instances of instanceCounts) {
      for (const rate of rates) {
        process.stderr.write(`bench: replicas ${instances} × ${rate}/s…\n`);
        const started = Date.now();
        const run = await replicaRun(context, instances, rate, windowS);
        runs.push(run);
        process.stderr.write(
          `bench:   ${run.executions_per_s}/s recorded, p99 ${run.start_delay_ms.p99} ms, missing ${run.missing}, ` +
            `duplicates ${run.duplicates} (${Math.round((Date.now() - started) / 1000)} s)\n`,
        );
      }
    }

    const knee: Record<string, number | null> = {};
    for (const instances of instanceCounts) {
      const within = runs.filter((run) => run.instances === instances && run.within_target);
      knee[String(instances)] = within.length > 0 ? Math.max(...within.map((run) => run.jobs_per_s)) : null;
    }
    const ratioAt = (rate: number): number | null => {
      const at = (instances: number) => runs.find((run) => run.instances === instances && run.jobs_per_s === rate);
      const [one, three] = [at(1), at(3)];
      return one && three && one.executions_per_s > 0
        ? Math.round((three.executions_per_s / one.executions_per_s) * 1000) / 1000
        : null;
    };
    const ratio = ratioAt(Math.max(...rates));
    const notes: string[] = [];
    if (runs.some((run) => run.claims_lost === null)) {
      notes.push('claims_lost is null for a run where an instance did not answer /health');
    }
    return {
      runs,
      knee,
      ratio_3_vs_1_executions_per_s_at_top_rate: ratio,
      ratio_3_vs_1_executions_per_s_by_rate: Object.fromEntries(rates.map((rate) => [String(rate), ratioAt(rate)])),
      target_met: ratio !== null && ratio >= RATIO_TARGET && runs.every((run) => run.duplicates === 0),
      notes,
    };
  } finally {
    await postgres.stop();
  }
}
