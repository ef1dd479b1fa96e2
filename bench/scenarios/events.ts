import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import type pg from 'pg';
import { adminId, connect } from '../support/db.js';
import { processUsage, startCronwardenOn, startPostgres } from '../support/processes.js';

const ADMIN_PASSWORD = 'bench-Secret-for-root-42';
const CHANGES = 1_000;
const STREAM_LEVELS = [100, 1_000, 5_000];
const TRIGGER_ROWS = 10_000;

interface Received {
  event: string;
  data: string;
  at: number;
}

/** One open `GET /api/v1/events` read with node:http (a socket of its own), its events timestamped. */
interface HeldStream {
  events: Received[];
  onEvent?: (event: Received) => void;
  close(): void;
}

function openStream(url: string, token: string): Promise<HeldStream> {
  return new Promise((resolve, reject) => {
    const held: HeldStream = { events: [], close: () => undefined };
    const request = http.get(
      `${url}/api/v1/events`,
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`GET /api/v1/events answered ${response.statusCode}`));
          response.resume();
          return;
        }
        const parser = createParser({
          onEvent: (message) => {
            const event = { event: message.event ?? 'message', data: message.data, at: performance.now() };
            held.events.push(event);
            held.onEvent?.(event);
          },
        });
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => parser.feed(chunk));
        response.on('error', () => undefined);
        held.close = () => request.destroy();
        resolve(held);
      },
    );
    request.on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] * 100) / 100;
}

function summary(values: number[]): { count: number; median_ms: number; p99_ms: number; max_ms: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    median_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    max_ms: percentile(sorted, 100),
  };
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Waits for the next event of `stream` that `match` accepts (throws after `timeoutMs`). */
function nextEvent(stream: HeldStream, match: (event: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no event within the timeout')), timeoutMs);
    stream.onEvent = (event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      stream.onEvent = undefined;
      resolve(event);
    };
  });
}

/**
 * Cost of the change-event triggers on the write path: the same batched INSERT and UPDATE of
 * executions, and single-row UPDATEs, with the triggers enabled and disabled.
 */
async function triggerCost(client: pg.Client, ownerId: string): Promise<Record<string, unknown>> {
  const run = async (): Promise<{ insert_ms: number; update_ms: number; single_updates_ms_each: number }> => {
    const jobId = (await client.query<{ id: string }>('SELECT gen_random_uuid() AS id')).rows[0].id;
    let started = performance.now();
    await client.query(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time)
       SELECT $1, 'bench', 'SampleJob', $2, 'succeeded', 'cron', now() - make_interval(secs => g)
         FROM generate_series(1, $3) g`,
      [jobId, ownerId, TRIGGER_ROWS],
    );
    const insertMs = performance.now() - started;
    started = performance.now();
    await client.query(`UPDATE executions SET state = 'failed' WHERE job_id = $1`, [jobId]);
    const updateMs = performance.now() - started;
    const ids = (await client.query<{ id: string }>(`SELECT id FROM executions WHERE job_id = $1 LIMIT 500`, [jobId]))
      .rows;
    started = performance.now();
    for (const { id } of ids) await client.query(`UPDATE executions SET state = 'succeeded' WHERE id = $1`, [id]);
    const singleMs = (performance.now() - started) / ids.length;
    await client.query(`DELETE FROM executions WHERE job_id = $1`, [jobId]);
    return {
      insert_ms: Math.round(insertMs),
      update_ms: Math.round(updateMs),
      single_updates_ms_each: Math.round(singleMs * 1000) / 1000,
    };
  };
  await run(); // warm-up
  const withTriggers = await run();
  await client.query('ALTER TABLE executions DISABLE TRIGGER executions_event_insert');
  await client.query('ALTER TABLE executions DISABLE TRIGGER executions_event_state');
  let withoutTriggers;
  try {
    withoutTriggers = await run();
  } finally {
    await client.query('ALTER TABLE executions ENABLE TRIGGER executions_event_insert');
    await client.query('ALTER TABLE executions ENABLE TRIGGER executions_event_state');
  }
  return { rows: TRIGGER_ROWS, with_triggers: withTriggers, without_triggers: withoutTriggers };
}

/**
 * The live event stream across two instances sharing one PostgreSQL: latency from a change committed
 * (through instance A, or straight in the database) to its event on a stream held on instance B
 * (median and p99 over 1,000 changes); how the RSS of one instance grows with N open streams; how
 * long one change takes to reach all of them; what the NOTIFY triggers cost the write path.
 */
export async function eventsScenario(): Promise<Record<string, unknown>> {
  const postgres = await startPostgres();
  const env = {
    ADMIN_PASSWORD,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    BCRYPT_COST: '4',
    EVENTS_MAX_STREAMS: '20000',
    EVENTS_MAX_STREAMS_PER_USER: '20000',
  };
  const a = await startCronwardenOn(postgres.databaseUrl, env);
  const b = await startCronwardenOn(postgres.databaseUrl, env);
  const client = await connect(postgres.databaseUrl);
  const held: HeldStream[] = [];
  try {
    const ownerId = await adminId(client);
    const triggers = await triggerCost(client, ownerId);
    const [tokenA, tokenB] = [await login(a.url), await login(b.url)];
    const onB = await openStream(b.url, tokenB);
    held.push(onB);

    // 1. Straight in the database: UPDATE of an execution's state (autocommit), commit → event on B.
    const jobId = (await client.query<{ id: string }>('SELECT gen_random_uuid() AS id')).rows[0].id;
    const executionId = (
      await client.query<{ id: string }>(
        `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time)
         VALUES ($1, 'bench', 'SampleJob', $2, 'succeeded', 'manual', now()) RETURNING id`,
        [jobId, ownerId],
      )
    ).rows[0].id;
    await sleep(500);
    const committed: number[] = [];
    const sent: number[] = [];
    for (let i = 0; i < CHANGES; i += 1) {
      const state = i % 2 === 0 ? 'failed' : 'succeeded';
      const arrived = nextEvent(
        onB,
        (event) => event.event === 'execution' && event.data.includes(executionId) && event.data.includes(`"${state}"`),
      );
      const start = performance.now();
      await client.query(`UPDATE executions SET state = $2 WHERE id = $1`, [executionId, state]);
      const done = performance.now();
      const event = await arrived;
      committed.push(event.at - done);
      sent.push(event.at - start);
    }

    // 2. Through the app: run now on instance A (a paused SampleJob), request sent → event on B.
    const job = await fetch(`${a.url}/api/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
      body: JSON.stringify({ name: 'bench-events', job_class_string: 'SampleJob', pub_args: ['x'], paused: true }),
    });
    const { job_id: runJob } = (await job.json()) as { job_id: string };
    const runNow: number[] = [];
    for (let i = 0; i < CHANGES; i += 1) {
      const from = onB.events.length;
      const start = performance.now();
      const res = await fetch(`${a.url}/api/v1/executions/${runJob}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenA}` },
      });
      if (res.status !== 201) throw new Error(`run now: ${res.status} ${await res.text()}`);
      const { execution_id: id } = (await res.json()) as { execution_id: string };
      // Its creation and its finish (both before the next run, so each run's events are its own).
      const deadline = Date.now() + 10_000;
      let mine: Received[] = [];
      while ((mine = onB.events.slice(from).filter((event) => event.data.includes(id))).length < 2) {
        if (Date.now() > deadline) throw new Error(`the events of run ${id} did not arrive`);
        await sleep(1);
      }
      runNow.push(mine[0].at - start);
    }
    onB.close();
    held.splice(0);

    // 3. Streams held by one instance (A): RSS per stream, and one change fanned out to all.
    await sleep(2_000);
    const base = (await processUsage(a.proc.pid!)).rssMiB;
    const levels: Array<Record<string, number>> = [];
    for (const level of STREAM_LEVELS) {
      while (held.length < level) {
        const batch = Math.min(200, level - held.length);
        held.push(...(await Promise.all(Array.from({ length: batch }, () => openStream(a.url, tokenA)))));
      }
      await sleep(3_000);
      const rss = (await processUsage(a.proc.pid!)).rssMiB;
      const state = levels.length % 2 === 0 ? 'failed' : 'succeeded';
      const before = held.map((stream) => stream.events.length);
      const start = performance.now();
      await client.query(`UPDATE executions SET state = $2 WHERE id = $1`, [executionId, state]);
      const deadline = Date.now() + 30_000;
      while (held.some((stream, index) => stream.events.length === before[index]) && Date.now() < deadline) {
        await sleep(5);
      }
      const arrivals = held.map((stream, index) => (stream.events[before[index]]?.at ?? Number.NaN) - start);
      const reached = arrivals.filter((value) => Number.isFinite(value));
      levels.push({
        streams: level,
        rss_mib: rss,
        rss_growth_mib: Math.round((rss - base) * 10) / 10,
        kib_per_stream: Math.round(((rss - base) * 1024 * 10) / level) / 10,
        fanout_reached: reached.length,
        fanout_median_ms: summary(reached).median_ms,
        fanout_last_ms: summary(reached).max_ms,
      });
    }
    return {
      latency_update_committed_to_event_on_other_instance: summary(committed),
      latency_update_sent_to_event_on_other_instance: summary(sent),
      latency_run_now_request_to_event_on_other_instance: summary(runNow),
      streams_on_one_instance: { rss_before_mib: base, levels },
      trigger_cost: triggers,
    };
  } finally {
    for (const stream of held) stream.close();
    await client.end();
    await Promise.allSettled([a.stop(), b.stop()]);
    await postgres.stop();
  }
}
