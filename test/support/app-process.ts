import { setTimeout as sleep } from 'node:timers/promises';
import { SpawnedServer } from './spawned-server.js';

/**
 * A real Cronwarden process (`dist/src/main.js`) on a given port, restartable, signed in as the
 * admin after each start.
 */
export class AppProcess {
  private current: SpawnedServer | undefined;
  token = '';

  constructor(
    private readonly env: Record<string, string>,
    private readonly workDir: string,
    readonly url: string,
    private readonly adminPassword: string,
  ) {}

  async start(extra: Record<string, string> = {}): Promise<SpawnedServer> {
    this.current = new SpawnedServer({ ...this.env, ...extra }, this.workDir);
    await this.current.waitForHealth(this.url);
    const login = await fetch(`${this.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: this.adminPassword }),
    }).catch((error: unknown) => {
      // Says whether this process is still the one on the port, so a failure here can be told apart.
      const status = this.running
        ? 'still running'
        : `exited (${this.current?.proc.exitCode ?? this.current?.proc.signalCode})`;
      throw new Error(
        `sign-in at ${this.url} failed (${String(error)}), the server ${status}; output:\n${this.current?.output()}`,
      );
    });
    this.token = ((await login.json()) as { access_token: string }).access_token;
    return this.current;
  }

  get process(): SpawnedServer {
    if (!this.current) throw new Error('not started');
    return this.current;
  }

  get running(): boolean {
    return this.current !== undefined && this.current.proc.exitCode === null && this.current.proc.signalCode === null;
  }

  async api<T>(method: string, route: string, body?: object): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${this.token}` },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as T };
  }

  /** GET /health: status code and body (also on 503). */
  async health<T = Record<string, unknown>>(): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}/health`);
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Kills the process (SIGKILL unless told otherwise) if it still runs, and waits for it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.process.stop(signal);
    await this.process.waitForExit();
  }
}

/** Polls `probe` every 100 ms until it returns something other than undefined. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
