import { setTimeout as sleep } from 'node:timers/promises';
import { connect, wholeSecondsFromNow } from '../support/db.js';
import { startCronwarden } from '../support/processes.js';

export interface ScriptRateFigures {
  scripts_per_second: number;
  window_s: number;
  expected: number;
  succeeded: number;
  other_states: Record<string, number>;
  /** finished_time − started_time: spawning the sandboxed node, running the script, reading its result. */
  run_ms: { p50: number; p99: number };
  /** finished_time − scheduled_time. */
  finish_delay_ms: { p50: number; p99: number; max: number };
}

const ADMIN = { username: 'admin', password: 'bench-Secret-for-root-42' };
const SOURCE = 'export function run(n) { let s = 0; for (let i = 0; i < 1000; i++) s += i * n; return { s }; }';

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * `rate` ScriptJobs firing every second for `windowS` seconds on one instance: how many complete,
 * how long one run takes (spawn to result) and how late they finish once the instance is saturated.
 */
async function scriptRate(rate: number, windowS: number): Promise<ScriptRateFigures> {
  const server = await startCronwarden({
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'warn',
    MAX_RUNNING_PER_USER: '100000',
  });
  try {
    const call = (path: string, body: object, token?: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const { access_token: token } = await json<{ access_token: string }>(await call('/api/v1/auth/login', ADMIN));
    const { script_id: scriptId } = await json<{ script_id: string }>(
      await call('/api/v1/scripts', { name: 'bench.mjs', source: SOURCE }, token),
    );
    const jobIds: string[] = [];
    for (let i = 0; i < rate; i++) {
      const job = await json<{ job_id: string }>(
        await call(
          '/api/v1/jobs',
          {
            name: `script-${i}`,
            job_class_string: 'ScriptJob',
            pub_args: [scriptId, i],
            second: '*',
            max_instances: 100,
          },
          token,
        ),
      );
      jobIds.push(job.job_id);
    }
    const from = wholeSecondsFromNow(1);
    await sleep(from.getTime() - Date.now() + windowS * 1000 + 10_000);
    const client = await connect(server.databaseUrl);
    try {
      const to = new Date(from.getTime() + windowS * 1000);
      const states = await client.query<{ state: string; count: string }>(
        `SELECT state, count(*) FROM executions WHERE scheduled_time >= $1 AND scheduled_time < $2 GROUP BY state`,
        [from, to],
      );
      const { rows } = await client.query<Record<string, number | null>>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_time - started_time) * 1000) AS run_p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_time - started_time) * 1000) AS run_p99,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_time - scheduled_time) * 1000) AS fin_p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_time - scheduled_time) * 1000) AS fin_p99,
                max(extract(epoch FROM finished_time - scheduled_time) * 1000) AS fin_max
           FROM executions WHERE scheduled_time >= $1 AND scheduled_time < $2 AND state = 'succeeded'`,
        [from, to],
      );
      const byState = Object.fromEntries(states.rows.map((row) => [row.state, Number(row.count)]));
      const round = (value: number | null | undefined): number => Math.round(Number(value ?? 0));
      const { succeeded = 0, ...others } = byState;
      return {
        scripts_per_second: rate,
        window_s: windowS,
        expected: rate * windowS,
        succeeded,
        other_states: others,
        run_ms: { p50: round(rows[0].run_p50), p99: round(rows[0].run_p99) },
        finish_delay_ms: { p50: round(rows[0].fin_p50), p99: round(rows[0].fin_p99), max: round(rows[0].fin_max) },
      };
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
}

export async function scriptsScenario(windowS = 15): Promise<ScriptRateFigures[]> {
  const results: ScriptRateFigures[] = [];
  for (const rate of [5, 10, 20, 40]) results.push(await scriptRate(rate, windowS));
  return results;
}
