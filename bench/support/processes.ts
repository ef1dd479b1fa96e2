import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';

const DIST = path.resolve(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export interface RunningProcess {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export interface RunningCronwarden extends RunningProcess {
  dataDir: string;
  /** The embedded database of this server. */
  databaseUrl: string;
  /** Every line the server printed (JSON logs). */
  output: string[];
  /** Stops the server but keeps its data, for a restart with {@link restartCronwarden}. */
  halt(): Promise<void>;
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(30_000).then(() => proc.kill('SIGKILL'))]);
}

interface ServerSetup {
  dataDir: string;
  port: number;
  pgPort: number;
  env: Record<string, string>;
  /** An external database (DATABASE_URL): no embedded PostgreSQL is started. */
  databaseUrl?: string;
}

async function launch(setup: ServerSetup): Promise<RunningCronwarden> {
  const output: string[] = [];
  const proc = spawn(process.execPath, [path.join(DIST, 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(setup.port),
      ...(setup.databaseUrl ? { DATABASE_URL: setup.databaseUrl } : { EMBEDDED_PG_PORT: String(setup.pgPort) }),
      DATA_DIR: setup.dataDir,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...setup.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partial = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (!line.includes('"request completed"')) output.push(line);
  });
  const url = `http://127.0.0.1:${setup.port}`;
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code, signal) =>
      reject(new Error(`Cronwarden on ${url} exited (${signal ?? code}) while starting`)),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForHttp(`${url}/health`, 180_000), exited]);
  } catch (error) {
    await stopChild(proc);
    throw error;
  }
  const databaseUrl = setup.databaseUrl ?? (await EmbeddedPostgres.appUrlOf(setup.dataDir, setup.pgPort));
  return {
    url,
    proc,
    dataDir: setup.dataDir,
    databaseUrl,
    output,
    halt: () => stopChild(proc),
    stop: async () => {
      await stopChild(proc);
      await rm(setup.dataDir, { recursive: true, force: true });
    },
  };
}

const setups = new WeakMap<RunningCronwarden, ServerSetup>();

/** The built Cronwarden (`dist/src/main.js`) with its own embedded PostgreSQL in a temporary folder. */
export async function startCronwarden(env: Record<string, string> = {}): Promise<RunningCronwarden> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-bench-'));
  const setup = { dataDir, port: await freePort(), pgPort: await freePort(), env };
  const server = await launch(setup);
  setups.set(server, setup);
  return server;
}

/** Starts a halted server again on the same data (and, unless given, the same settings). */
export async function restartCronwarden(
  server: RunningCronwarden,
  env?: Record<string, string>,
): Promise<RunningCronwarden> {
  const setup = setups.get(server);
  if (!setup) throw new Error('not a server of startCronwarden');
  const next = { ...setup, env: env ?? setup.env };
  const restarted = await launch(next);
  setups.set(restarted, next);
  return restarted;
}

/**
 * The built Cronwarden on an existing database (`DATABASE_URL`), as one of several instances sharing
 * it: no embedded PostgreSQL; its own port and temporary DATA_DIR (removed by `stop`).
 */
export async function startCronwardenOn(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<RunningCronwarden> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-bench-'));
  const setup = { dataDir, port: await freePort(), pgPort: 0, env, databaseUrl }; // pgPort: unused
  try {
    const server = await launch(setup);
    setups.set(server, setup);
    return server;
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface RunningPostgres {
  /** The `cronwarden` database, empty (Cronwarden migrates it at its first start). */
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL of its own (the embedded binaries, the settings Cronwarden gives its embedded one)
 * in a temporary folder, for several Cronwarden instances to share. Stopped and removed by `stop`,
 * or at the latest when this process exits.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  // As root the server runs as `postgres`: EmbeddedPostgres hands it this folder (mode 0700).
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-bench-pg-'));
  const server = new EmbeddedPostgres({
    dataDir,
    port: await freePort(),
    logger: { info: () => undefined, warn: (message) => process.stderr.write(`${message}\n`) },
  });
  const onExit = (): void => server.stopNow();
  process.once('exit', onExit);
  let databaseUrl: string;
  try {
    databaseUrl = await server.start();
  } catch (error) {
    server.stopNow();
    process.off('exit', onExit);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    databaseUrl,
    stop: async () => {
      await server.stop();
      process.off('exit', onExit);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resident memory (MiB) and CPU seconds used so far of a process, from /proc. */
export async function processUsage(pid: number): Promise<{ rssMiB: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { rssMiB: Math.round(rssKiB / 102.4) / 10, cpuSeconds: ticks / 100 };
}

/**
 * The bare Nest + Fastify app of bench/bare-app.ts, the baseline of API figures; with a database URL also
 * its bare Fastify + `pg` list routes.
 */
export async function startBareApp(databaseUrl?: string): Promise<RunningProcess> {
  const port = await freePort();
  const args = [path.join(DIST, 'bench', 'bare-app.js'), String(port), ...(databaseUrl ? [databaseUrl] : [])];
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/bare`);
  return { url, proc, stop: () => stopChild(proc) };
}

/** Resident memory now and at its peak (MiB, VmRSS and VmHWM of /proc/PID/status). */
export async function memoryOf(pid: number): Promise<{ rss_mib: number; peak_rss_mib: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const mib = (field: string) =>
    Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 102.4) / 10;
  return { rss_mib: mib('VmRSS'), peak_rss_mib: mib('VmHWM') };
}

/** CPU time (ms, utime + stime of /proc/PID/stat, 10 ms ticks) used so far by a process. */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(stat[11]) + Number(stat[12])) * 10;
}

/**
 * CPU time (ms) used so far by the live children of a process and theirs (the embedded PostgreSQL's
 * postmaster and backends under a Cronwarden server), from /proc; a backend that exited is no longer counted,
 * so take it over a span in which the server's pool keeps its connections.
 */
export async function descendantsCpuMsOf(pid: number): Promise<number> {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = (await readFile(`/proc/${entry}/stat`, 'utf8')).split(') ')[1].split(' ');
      parents.set(Number(entry), Number(stat[1]));
      cpu.set(Number(entry), (Number(stat[11]) + Number(stat[12])) * 10);
    } catch {
      // exited meanwhile
    }
  }
  let total = 0;
  for (const [child] of parents) {
    for (let up = parents.get(child); up !== undefined && up > 1; up = parents.get(up)) {
      if (up === pid) {
        total += cpu.get(child) ?? 0;
        break;
      }
    }
  }
  return total;
}
