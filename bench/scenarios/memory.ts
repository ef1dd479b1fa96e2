import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminId, connect, insertJobs } from '../support/db.js';
import { load } from '../support/load.js';
import { memoryOf, restartCronwarden, startCronwarden, type RunningCronwarden } from '../support/processes.js';
import { writeRound, writer, WRITES_SERVER_ENV } from './writes.js';

interface Sample {
  /** VmRSS when sampled. */
  rss_mib: number;
  /** VmHWM: the process's peak RSS so far. */
  peak_rss_mib: number;
}

export interface MemoryFigures {
  date: string;
  /** NODE_OPTIONS the server ran with (--server-node-options), empty for none. */
  server_node_options: string;
  load_average_1m: number;
  /** A fresh server on an empty database, 5 s after /health first answered. */
  after_start: Sample;
  /** The workload of issue 17 on that server, then its peak (VmHWM) and its RSS after 10 s idle. */
  workload: {
    jobs: number;
    connections: number;
    list_seconds: number;
    steps: string[];
    peak_rss_mib: number;
    /** VmHWM after each step in turn: which step raised the peak. */
    peak_rss_mib_after_step: Record<string, number>;
    idle_rss_mib_after_10_s: number;
  };
  /** Jobs inserted into the database (daily, 12 hours away), server restarted, sampled after 10 s idle. */
  idle_with_jobs_registered: Array<Sample & { jobs: number; how: string }>;
}

const IDLE_S = 10;

async function idleSample(server: RunningCronwarden): Promise<Sample> {
  await sleep(IDLE_S * 1000);
  return memoryOf(server.proc.pid!);
}

/**
 * Resident memory of the built server (VmRSS and VmHWM from /proc): after start; the peak of the
 * workload `jobs` jobs created through the API, listed (all at once, `listSeconds` s of each list at
 * `connections` connections), run now, updated, paused, resumed and deleted; idle afterwards; and idle
 * with 1,000 and 10,000 jobs registered (inserted, then a restart registers them).
 */
export async function memoryScenario(
  jobs = 500,
  connections = 16,
  listSeconds = 10,
  nodeOptions = '',
): Promise<MemoryFigures> {
  const env = { ...WRITES_SERVER_ENV, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  let server = await startCronwarden(env);
  try {
    await sleep(5_000);
    const afterStart = await memoryOf(server.proc.pid!);
    const user = await writer(server);
    const headers = { authorization: `Bearer ${user.token}` };
    const live = server;
    const peakAfter: Record<string, number> = {};
    const peakNow = async () => (await memoryOf(live.proc.pid!)).peak_rss_mib;
    await writeRound(live, user, 'm', jobs, connections, async () => {
      peakAfter.create_update_pause_resume_run_now = await peakNow();
      await load({ url: `${live.url}/api/v1/jobs?limit=${jobs}`, connections, durationSeconds: listSeconds, headers });
      peakAfter.list_jobs = await peakNow();
      await load({
        url: `${live.url}/api/v1/executions?limit=${jobs}`,
        connections,
        durationSeconds: listSeconds,
        headers,
      });
      peakAfter.list_executions = await peakNow();
    });
    const peak = await peakNow();
    peakAfter.delete = peak;
    const idleAfter = (await idleSample(server)).rss_mib;

    const registered: MemoryFigures['idle_with_jobs_registered'] = [];
    const firstFire = new Date(Date.now() + 12 * 3_600_000);
    firstFire.setUTCMinutes(0, 0, 0);
    let inserted = 0;
    for (const target of [1_000, 10_000]) {
      const client = await connect(server.databaseUrl);
      try {
        await insertJobs(client, {
          count: target - inserted,
          ownerId: await adminId(client),
          second: '0',
          minute: '0',
          hour: String(firstFire.getUTCHours()),
          firstFire,
        });
      } finally {
        await client.end();
      }
      inserted = target;
      await server.halt();
      server = await restartCronwarden(server);
      registered.push({
        jobs: target,
        how: 'inserted into the database, then the server restarted (registered at start)',
        ...(await idleSample(server)),
      });
    }
    return {
      date: new Date().toISOString(),
      server_node_options: nodeOptions,
      load_average_1m: Math.round(loadavg()[0] * 10) / 10,
      after_start: afterStart,
      workload: {
        jobs,
        connections,
        list_seconds: listSeconds,
        steps: [
          `${jobs} jobs created (POST /api/v1/jobs)`,
          'each updated, paused, resumed, run now (SampleJob) at once',
          `GET /api/v1/jobs?limit=${jobs} then GET /api/v1/executions?limit=${jobs} (last hour), ${listSeconds} s each`,
          'each deleted',
        ],
        peak_rss_mib: peak,
        peak_rss_mib_after_step: peakAfter,
        idle_rss_mib_after_10_s: idleAfter,
      },
      idle_with_jobs_registered: registered,
    };
  } finally {
    await server.stop();
  }
}
