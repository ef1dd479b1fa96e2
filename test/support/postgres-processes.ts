import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** pid of the postmaster from `<dataDir>/postgres/postmaster.pid`, if the file is there. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/** Running: /proc has it and it is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  const status = read(`/proc/${pid}/status`);
  return status !== undefined && !/^State:\s+Z/m.test(status);
}

/**
 * Every live process of the PostgreSQL on `dataDir`, found in /proc rather than trusted from
 * `postmaster.pid`: postmasters started with `-D <dataDir>/postgres`, and their children.
 */
export function postgresProcessesOf(dataDir: string): number[] {
  const cluster = path.join(dataDir, 'postgres');
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const postmasters = new Set<number>();
  const parents = new Map<number, number>();
  for (const pid of pids) {
    const args = read(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
    const stat = read(`/proc/${pid}/stat`);
    if (stat) parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    const flag = args.indexOf('-D');
    if (path.basename(args[0] ?? '') === 'postgres' && flag >= 0 && args[flag + 1] === cluster) postmasters.add(pid);
  }
  return pids.filter((pid) => (postmasters.has(pid) || postmasters.has(parents.get(pid) ?? -1)) && isRunning(pid));
}

/** Polls until no process of the PostgreSQL on `dataDir` runs; resolves to the milliseconds it took. */
export async function untilPostgresGone(dataDir: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (postgresProcessesOf(dataDir).length > 0) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `PostgreSQL of ${dataDir} still runs after ${timeoutMs} ms: ${postgresProcessesOf(dataDir).join(', ')}`,
      );
    }
    await sleep(50);
  }
  return Date.now() - started;
}
