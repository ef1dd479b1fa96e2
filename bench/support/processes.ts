import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(30_000).then(() => proc.kill('SIGKILL'))]);
}

/** The built Cronwarden (`dist/src/main.js`) with its own embedded PostgreSQL in a temporary folder. */
export async function startCronwarden(env: Record<string, string> = {}): Promise<RunningProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-bench-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(DIST, 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`);
  return {
    url,
    proc,
    stop: async () => {
      await stopChild(proc);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The bare Nest + Fastify app of bench/bare-app.ts, the baseline of API figures. */
export async function startBareApp(): Promise<RunningProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(DIST, 'bench', 'bare-app.js'), String(port)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/bare`);
  return { url, proc, stop: () => stopChild(proc) };
}
