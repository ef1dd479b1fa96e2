import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminId, connect } from '../support/db.js';
import { startCronwardenOn, startPostgres } from '../support/processes.js';

const ADMIN_PASSWORD = 'bench-Secret-for-root-42';
/** Single changes, one after the other (event → receipt latency). */
const CHANGES = 300;
/** Executions finishing in one statement (throughput of two instances' senders). */
const BURST = 2_000;

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

interface Receipt {
  delivery: string;
  executionId: string;
  at: number;
}

/**
 * Webhook deliveries with two instances sharing one PostgreSQL and a receiver on loopback (opened
 * with HTTP_JOB_ALLOW): latency from an execution's final state committed (straight in the database)
 * to the POST received, and from a run-now request to the POST of its end; then a burst of executions
 * finishing in one statement: time until every delivery arrived, deliveries/s, duplicates.
 */
export async function webhooksScenario(): Promise<Record<string, unknown>> {
  const postgres = await startPostgres();
  const env = {
    ADMIN_PASSWORD,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    BCRYPT_COST: '4',
    HTTP_JOB_ALLOW: '127.0.0.1/32',
  };
  const a = await startCronwardenOn(postgres.databaseUrl, env);
  const b = await startCronwardenOn(postgres.databaseUrl, env);
  const client = await connect(postgres.databaseUrl);
  const receipts: Receipt[] = [];
  let onReceipt: ((receipt: Receipt) => void) | undefined;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; data: { execution_id: string } };
      const receipt = { delivery: body.id, executionId: body.data.execution_id, at };
      receipts.push(receipt);
      res.writeHead(204).end();
      onReceipt?.(receipt);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  try {
    const login = await fetch(`${a.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const api = (path: string, body?: unknown): Promise<Response> =>
      fetch(`${a.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const hook = await api('/api/v1/webhooks', {
      url: `http://127.0.0.1:${port}/hook`,
      events: ['execution.succeeded', 'execution.failed'],
    });
    if (hook.status !== 201) throw new Error(`creating the webhook: ${hook.status} ${await hook.text()}`);
    const ownerId = await adminId(client);
    const jobId = (await client.query<{ id: string }>('SELECT gen_random_uuid() AS id')).rows[0].id;
    const received = (executionId: string): Promise<Receipt> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no delivery for ${executionId}`)), 15_000);
        onReceipt = (receipt) => {
          if (receipt.executionId !== executionId) return;
          clearTimeout(timer);
          onReceipt = undefined;
          resolve(receipt);
        };
      });

    // 1. Straight in the database: a running execution set to succeeded (autocommit) → POST received.
    await sleep(500);
    const committed: number[] = [];
    for (let i = 0; i < CHANGES; i += 1) {
      const { id } = (
        await client.query<{ id: string }>(
          `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time)
           VALUES ($1, 'bench', 'SampleJob', $2, 'running', 'manual', now() - make_interval(secs => $3)) RETURNING id`,
          [jobId, ownerId, i + 1],
        )
      ).rows[0];
      const arrived = received(id);
      await client.query(`UPDATE executions SET state = 'succeeded', finished_time = now() WHERE id = $1`, [id]);
      const done = performance.now();
      committed.push((await arrived).at - done);
    }

    // 2. Through the app: run now of a paused SampleJob on instance A → POST of its end received.
    const job = await api('/api/v1/jobs', {
      name: 'bench-webhooks',
      job_class_string: 'SampleJob',
      pub_args: ['x'],
      paused: true,
    });
    const { job_id: runJob } = (await job.json()) as { job_id: string };
    const runNow: number[] = [];
    for (let i = 0; i < CHANGES / 3; i += 1) {
      const start = performance.now();
      const res = await api(`/api/v1/executions/${runJob}`);
      if (res.status !== 201) throw new Error(`run now: ${res.status} ${await res.text()}`);
      const { execution_id: id } = (await res.json()) as { execution_id: string };
      const receipt = receipts.find((each) => each.executionId === id) ?? (await received(id));
      runNow.push(receipt.at - start);
    }

    // 3. A burst: BURST running executions finish in one statement; both instances send.
    const before = receipts.length;
    await client.query(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time)
       SELECT $1, 'burst', 'SampleJob', $2, 'running', 'manual', now() + make_interval(secs => g)
         FROM generate_series(1, $3) g`,
      [jobId, ownerId, BURST],
    );
    const started = performance.now();
    await client.query(`UPDATE executions SET state = 'succeeded', finished_time = now() WHERE job_name = 'burst'`);
    const deadline = Date.now() + 120_000;
    while (receipts.length - before < BURST && Date.now() < deadline) await sleep(10);
    const lastAt = Math.max(...receipts.slice(before).map((each) => each.at));
    await sleep(2_000);
    const burst = receipts.slice(before);
    const unique = new Set(burst.map((each) => each.delivery));
    const burstLatency = burst.map((each) => each.at - started);
    return {
      instances: 2,
      latency_commit_to_receipt: summary(committed),
      latency_run_now_request_to_receipt: summary(runNow),
      burst: {
        executions: BURST,
        received: burst.length,
        duplicates: burst.length - unique.size,
        all_received_ms: Math.round(lastAt - started),
        deliveries_per_second: Math.round((unique.size / (lastAt - started)) * 1000),
        latency: summary(burstLatency),
      },
    };
  } finally {
    onReceipt = undefined;
    await client.end();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await a.stop();
    await b.stop();
    await postgres.stop();
  }
}
