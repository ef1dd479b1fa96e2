import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The built server (`dist/src/main.js`, what `npm start` runs) as a real process, with JSON logs
 * captured; `npm test` builds first.
 */
export class SpawnedServer {
  readonly proc: ChildProcess;
  private out = '';
  private readonly exited: Promise<ExitStatus>;

  /**
   * @param cwd working folder (where `.env` and a relative DATA_DIR would be read)
   * @param viaNpm start through `npm start` (without its build step) instead of node directly
   */
  constructor(env: Record<string, string>, cwd: string, viaNpm = false) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does)`);
    const fullEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env };
    this.proc = viaNpm
      ? spawn('npm', ['start', '--ignore-scripts', '--silent'], {
          cwd: ROOT,
          env: fullEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [MAIN], { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.proc.stderr?.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Everything printed so far, stdout and stderr. */
  output(): string {
    return this.out;
  }

  lines(): LogLine[] {
    return this.out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  }

  messages(): string[] {
    return this.lines().map((line) => line.msg ?? '');
  }

  async waitForExit(timeoutMs = 60_000): Promise<ExitStatus> {
    return Promise.race([
      this.exited,
      sleep(timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`server did not exit within ${timeoutMs} ms; output:\n${this.out}`);
      }),
    ]);
  }

  /** Polls GET {url}/health until it answers `status` (default 200). */
  async waitForHealth(baseUrl: string, status = 200, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`server exited (${this.proc.exitCode}); output:\n${this.out}`);
      try {
        const res = await fetch(`${baseUrl}/health`);
        if (res.status === status) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`no ${status} from ${baseUrl}/health within ${timeoutMs} ms; output:\n${this.out}`);
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.proc.kill(signal);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
