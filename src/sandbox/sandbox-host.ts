import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { execFile } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AppConfig } from '../config/app-config.js';
import type { SandboxTools } from './command-line.js';
import { systemView, type SystemView, type TopLevelEntry } from './mount-table.js';
import { PythonInterpreter } from './python-interpreter.js';
import { CgroupSupport } from './run-cgroup.js';
import { SandboxStartError } from './sandbox.types.js';
import { UidPool } from './uid-pool.js';

const run = promisify(execFile);

/** What every run is built from, found and made once at start. */
export interface SandboxEnvironment {
  tools: SandboxTools;
  /** Root-only folder of this server's sandbox state (removed at shutdown). */
  runtimeDir: string;
  /** Empty folder each run mounts its own root on (mounts live in the run's namespace only). */
  rootDir: string;
  /** The device nodes runs get. */
  devDir: string;
  /** Per-run folders: the files given to a run (its `/job`) and its fstab. */
  runsDir: string;
  view: SystemView;
  cgroups: CgroupSupport;
  uids: UidPool;
}

/** The sandbox cannot be built here: code-running job classes are disabled (never run unsandboxed). */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** Top-level folders of `/` that hold programs, libraries and their configuration. */
const SYSTEM_FOLDERS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'etc'];
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom'];
/** `<base>/cronwarden-sandbox-<server pid>-XXXXXX`: the pid tells whose it is. */
const RUNTIME_PREFIX = 'cronwarden-sandbox-';

/** Runtime folders of servers that are gone (killed before their shutdown could remove them). */
async function removeStaleRuntimeDirs(base: string): Promise<void> {
  const entries = await readdir(base).catch(() => []);
  for (const entry of entries) {
    const owner = /^cronwarden-sandbox-(\d+)-/.exec(entry)?.[1];
    if (owner === undefined || Number(owner) === process.pid) continue;
    try {
      process.kill(Number(owner), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        await rm(path.join(base, entry), { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }
}

async function firstExecutable(name: string): Promise<string | null> {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const candidate = `${dir}/${name}`;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next folder
    }
  }
  return null;
}

/** The folder holding package.json above `from` (the app's folder, also when running from dist/). */
function appFolder(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Whether every id of `first..last` is mapped in this user namespace (`/proc/self/uid_map` or `gid_map`). */
export function rangeMapped(map: string, first: number, last: number): boolean {
  return map
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .some(([inside, , count]) => count > 0 && first >= inside && last <= inside + count - 1);
}

async function topLevelEntries(): Promise<TopLevelEntry[]> {
  const entries: TopLevelEntry[] = [];
  for (const name of SYSTEM_FOLDERS) {
    const info = await lstat(`/${name}`).catch(() => undefined);
    if (!info) continue;
    if (info.isSymbolicLink()) entries.push({ name, resolved: await realpath(`/${name}`) });
    else if (info.isDirectory()) entries.push({ name });
  }
  return entries;
}

/**
 * Finds and prepares, once, what each sandboxed run is built from (DESIGN "How a job fires", point 5):
 * root, util-linux `unshare`/`setpriv`/`mount`, dash or bash, uids mapped for SANDBOX_UID_RANGE, a
 * root-only runtime folder with an empty root mount point and the device nodes, the read-only view of
 * the system (with the app, DATA_DIR and home folders hidden), and the cgroup controllers. Anything
 * missing that isolation stands on makes it unavailable, saying what to change.
 */
@Injectable()
export class SandboxHost implements OnApplicationShutdown {
  private readonly logger = new Logger('Sandbox');
  private environmentOnce: Promise<SandboxEnvironment> | undefined;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly python: PythonInterpreter,
  ) {}

  /** Rejects with {@link SandboxUnavailableError} when the sandbox cannot be built here. */
  environment(): Promise<SandboxEnvironment> {
    this.environmentOnce ??= this.prepare();
    return this.environmentOnce;
  }

  async onApplicationShutdown(): Promise<void> {
    const environment = await this.environmentOnce?.catch(() => undefined);
    if (environment) await rm(environment.runtimeDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async prepare(): Promise<SandboxEnvironment> {
    if (process.platform !== 'linux') {
      throw new SandboxUnavailableError(`the sandbox needs Linux namespaces and this is ${process.platform}`);
    }
    const uid = process.getuid?.() ?? -1;
    if (uid !== 0) {
      throw new SandboxUnavailableError(
        `Cronwarden runs as uid ${uid}, and the sandbox needs root to make each run's namespaces and give it a uid of its own; start Cronwarden as root (runs never run as root) or disable these classes with JOB_CLASSES_DISABLED`,
      );
    }
    const tools = await this.findTools();
    const range = this.config.get('sandbox.uidRange', { infer: true });
    for (const map of ['uid_map', 'gid_map']) {
      const text = await readFile(`/proc/self/${map}`, 'utf8').catch(() => '');
      if (!rangeMapped(text, range.first, range.last)) {
        throw new SandboxUnavailableError(
          `SANDBOX_UID_RANGE ${range.first}-${range.last} is not mapped in this user namespace (/proc/self/${map}: ${text.trim().replace(/\s+/g, ' ')}): choose ids inside it`,
        );
      }
    }
    const base = await this.runtimeBase();
    await removeStaleRuntimeDirs(base);
    const runtimeDir = await mkdtemp(path.join(base, `${RUNTIME_PREFIX}${process.pid}-`));
    try {
      const [rootDir, devDir, runsDir] = ['root', 'dev', 'runs'].map((name) => path.join(runtimeDir, name));
      await Promise.all([rootDir, runsDir].map((dir) => mkdir(dir, { mode: 0o700 })));
      // Bound at the run's /dev: its uid must be able to look inside.
      await mkdir(devDir, { mode: 0o755 });
      await this.makeDevices(devDir);
      const uids = new UidPool(range, path.join(base, 'cronwarden-sandbox-uids'));
      await uids.prepare();
      const problems: string[] = [];
      const cgroups = await CgroupSupport.detect(problems);
      if (!cgroups.memory) {
        this.logger.warn(
          `Memory is capped per process (RLIMIT_DATA), not per run: ${problems.join('; ')}. Offer the memory cgroup controller (v1 or v2, delegated to Cronwarden) to cap whole runs.`,
        );
      }
      const view = systemView(await topLevelEntries(), await this.extraFolders(), await this.secretFolders());
      this.logger.log(
        `Sandbox ready: namespaces pid, mount, ipc, uts${this.config.get('sandbox.network', { infer: true }) === 'none' ? ', net' : ''}; uids ${range.first}-${range.last}; cgroups ${cgroups.describe()}; shows read-only ${view.readOnly.map(([, target]) => target).join(', ')}${view.hidden.length ? `; hides ${view.hidden.join(', ')}` : ''}`,
      );
      return { tools, runtimeDir, rootDir, devDir, runsDir, view, cgroups, uids };
    } catch (error) {
      await rm(runtimeDir, { recursive: true, force: true });
      throw error instanceof SandboxStartError ? new SandboxUnavailableError(error.message) : error;
    }
  }

  private async findTools(): Promise<SandboxTools> {
    const [unshare, setpriv, mount, dash, bash] = await Promise.all(
      ['unshare', 'setpriv', 'mount', 'dash', 'bash'].map((name) => firstExecutable(name)),
    );
    const missing = Object.entries({ unshare, setpriv, mount })
      .filter(([, found]) => found === null)
      .map(([name]) => name);
    if (missing.length > 0 || !unshare || !setpriv || !mount) {
      throw new SandboxUnavailableError(`${missing.join(', ')} (util-linux) not found: install util-linux`);
    }
    const shell = dash ? { path: dash, kind: 'dash' as const } : bash ? { path: bash, kind: 'bash' as const } : null;
    if (!shell) throw new SandboxUnavailableError('neither dash nor bash was found: install one of them');
    return { unshare, setpriv, mount, shell };
  }

  /** /run when it is there (memory, cleared at boot), else the temporary folder. */
  private async runtimeBase(): Promise<string> {
    const candidate = '/run';
    try {
      await access(candidate, constants.W_OK);
      return candidate;
    } catch {
      return tmpdir();
    }
  }

  /** `null`, `zero`, `full`, `random`, `urandom` copied as device nodes; `fd`, `stdin`, ... as links to /proc. */
  private async makeDevices(devDir: string): Promise<void> {
    try {
      await run('cp', ['-a', '--', ...DEVICES.map((name) => `/dev/${name}`), devDir], {
        env: { PATH: '/usr/bin:/bin' },
      });
    } catch (error) {
      throw new SandboxUnavailableError(`the device nodes for runs could not be made: ${(error as Error).message}`);
    }
    const links: Array<[string, string]> = [
      ['fd', '/proc/self/fd'],
      ['stdin', '/proc/self/fd/0'],
      ['stdout', '/proc/self/fd/1'],
      ['stderr', '/proc/self/fd/2'],
    ];
    for (const [name, target] of links) await symlink(target, path.join(devDir, name));
  }

  /**
   * Node.js's own installation (ScriptJob runs it), the Python interpreter's binary and library folders
   * (Python scripts; see python-interpreter.ts), and where /etc/resolv.conf leads when runs have the network.
   */
  private async extraFolders(): Promise<string[]> {
    const folders = [path.dirname(path.dirname(await realpath(process.execPath))), ...(await this.python.folders())];
    if (this.config.get('sandbox.network', { infer: true }) === 'host') {
      const resolv = await realpath('/etc/resolv.conf').catch(() => undefined);
      if (resolv && !resolv.startsWith('/etc/')) folders.push(path.dirname(resolv));
    }
    return folders;
  }

  /** What a run must never see, should it lie inside a shown folder. */
  private async secretFolders(): Promise<string[]> {
    const candidates = [
      appFolder(import.meta.dirname),
      process.cwd(),
      this.config.get('embedded.dataDir', { infer: true }),
      homedir(),
      '/root',
      '/home',
      // Packages installed into the Python interpreter: only its standard library is promised.
      ...(await this.python.hidden()),
    ];
    const resolved = await Promise.all(candidates.map((candidate) => realpath(candidate).catch(() => candidate)));
    return [...new Set(resolved)];
  }
}
