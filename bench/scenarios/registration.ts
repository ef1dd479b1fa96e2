import { setTimeout as sleep } from 'node:timers/promises';
import { adminId, connect, insertJobs } from '../support/db.js';
import { processUsage, restartCronwarden, startCronwarden } from '../support/processes.js';

export interface RegistrationFigures {
  jobs: number;
  registration_ms: number;
  start_to_healthy_ms: number;
  rss_mib_before_jobs: number;
  rss_mib_after_registration: number;
  idle_cpu_percent: number;
}

function registrationMs(output: string[]): number {
  for (const line of output) {
    const match = /jobs registered in (\d+) ms/.exec(line);
    if (match) return Number(match[1]);
  }
  return -1;
}

/**
 * N active jobs (daily at 03:00, so none fires during the measurement) registered at start:
 * how long registration takes, resident memory, and CPU used while idle for 10 s.
 */
async function registerN(count: number): Promise<RegistrationFigures> {
  const empty = await startCronwarden({ LOG_LEVEL: 'info' });
  const rssBefore = (await processUsage(empty.proc.pid!)).rssMiB;
  const client = await connect(empty.databaseUrl);
  try {
    const firstFire = new Date(Date.now() + 86_400_000);
    firstFire.setUTCHours(3, 0, 0, 0);
    await insertJobs(client, { count, ownerId: await adminId(client), second: '0', minute: '0', hour: '3', firstFire });
  } finally {
    await client.end();
  }
  await empty.halt();
  const started = Date.now();
  const server = await restartCronwarden(empty);
  const startToHealthy = Date.now() - started;
  try {
    await sleep(2_000);
    const usageStart = await processUsage(server.proc.pid!);
    await sleep(10_000);
    const usageEnd = await processUsage(server.proc.pid!);
    return {
      jobs: count,
      registration_ms: registrationMs(server.output),
      start_to_healthy_ms: startToHealthy,
      rss_mib_before_jobs: rssBefore,
      rss_mib_after_registration: usageEnd.rssMiB,
      idle_cpu_percent: Math.round(((usageEnd.cpuSeconds - usageStart.cpuSeconds) / 10) * 1000) / 10,
    };
  } finally {
    await server.stop();
  }
}

export async function registrationScenario(): Promise<RegistrationFigures[]> {
  return [await registerN(1_000), await registerN(10_000)];
}
