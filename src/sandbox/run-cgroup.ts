import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** The folder under which each run gets a cgroup of its own (one per controller hierarchy). */
const SANDBOX_GROUP = 'cronwarden-sandbox';
/** cgroup v2: where the server moves itself when its own cgroup must become an inner node. */
const SERVER_LEAF = 'cronwarden-server';

export interface CgroupLimits {
  memoryBytes: number;
  maxProcesses: number;
}

/** A mounted cgroup hierarchy and the server's own folder in it. */
interface Hierarchy {
  version: 1 | 2;
  /** Controllers (v1: those bound to this mount; v2: those the server's cgroup offers). */
  controllers: string[];
  /** The server's cgroup as a folder, e.g. `/sys/fs/cgroup/memory/system.slice/cronwarden.service`. */
  own: string;
}

/** Fields of a /proc/self/mountinfo line: root (4th) and mount point (5th); fstype and super options after ` - `. */
function parseMountinfo(
  text: string,
): Array<{ root: string; mountPoint: string; fsType: string; superOptions: string[] }> {
  const unescape = (value: string): string =>
    value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return text
    .split('\n')
    .filter((line) => line.includes(' - '))
    .map((line) => {
      const [before, after] = line.split(' - ');
      const fields = before.split(' ');
      const [fsType, , superOptions = ''] = after.split(' ');
      return {
        root: unescape(fields[3]),
        mountPoint: unescape(fields[4]),
        fsType,
        superOptions: superOptions.split(','),
      };
    });
}

/**
 * The cgroup hierarchies the server sits in, from /proc/self/cgroup and /proc/self/mountinfo
 * (v1: one per controller mount; v2: the unified one, with the controllers of the server's cgroup).
 */
export async function findHierarchies(proc = '/proc'): Promise<Hierarchy[]> {
  const [cgroupText, mountText] = await Promise.all([
    readFile(path.join(proc, 'self/cgroup'), 'utf8').catch(() => ''),
    readFile(path.join(proc, 'self/mountinfo'), 'utf8').catch(() => ''),
  ]);
  const mounts = parseMountinfo(mountText);
  const found: Hierarchy[] = [];
  for (const line of cgroupText.split('\n').filter(Boolean)) {
    const [id, controllerList, ...rest] = line.split(':');
    const ownPath = rest.join(':');
    const controllers = controllerList.split(',').filter(Boolean);
    const isUnified = id === '0' && controllers.length === 0;
    const mount = mounts.find((candidate) =>
      isUnified
        ? candidate.fsType === 'cgroup2'
        : candidate.fsType === 'cgroup' && controllers.every((name) => candidate.superOptions.includes(name)),
    );
    if (!mount) continue;
    const relative = path.posix.relative(mount.root, ownPath);
    if (relative.startsWith('..')) continue;
    const own = path.join(mount.mountPoint, relative);
    if (isUnified) {
      const offered = await readFile(path.join(own, 'cgroup.controllers'), 'utf8').catch(() => '');
      found.push({ version: 2, controllers: offered.trim().split(/\s+/).filter(Boolean), own });
    } else {
      found.push({ version: 1, controllers, own });
    }
  }
  return found;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** One run's cgroups: its processes join them before the program starts; read, then removed, after it ends. */
export interface RunCgroup {
  /** The `cgroup.procs` files the run's first process writes `0` into (joining every one). */
  readonly procsFiles: string[];
  /** How many of the run's processes the kernel's OOM killer ended (the run's memory limit was reached). */
  oomKills(): Promise<number>;
  /** How many processes are still in the run's cgroup. */
  processCount(): Promise<number>;
  /** Removes the cgroups (retrying while the last processes are still on their way out). */
  remove(): Promise<void>;
}

/** A controller that limits runs: where runs' cgroups go, and how a limit is written and read there. */
interface Controller {
  name: 'memory' | 'pids';
  base: string;
  version: 1 | 2;
}

/**
 * Which cgroup controllers can cap a whole run here: `memory` and `pids`, v1 or v2. Found once at
 * start; a controller that is not offered, or where the server may not make groups, is left out
 * (the run then relies on rlimits alone, which cap each process).
 */
export class CgroupSupport {
  private constructor(private readonly controllers: Controller[]) {}

  static none(): CgroupSupport {
    return new CgroupSupport([]);
  }

  /**
   * Finds the hierarchies, makes `cronwarden-sandbox` under the server's cgroup in each, and tries a
   * run group with limits. `problems` collects why a controller is left out.
   */
  static async detect(problems: string[], proc = '/proc'): Promise<CgroupSupport> {
    const hierarchies = await findHierarchies(proc);
    const controllers: Controller[] = [];
    for (const name of ['memory', 'pids'] as const) {
      const v1 = hierarchies.find((entry) => entry.version === 1 && entry.controllers.includes(name));
      const v2 = hierarchies.find((entry) => entry.version === 2 && entry.controllers.includes(name));
      const chosen = v1 ?? v2;
      if (!chosen) {
        problems.push(`the ${name} cgroup controller is not offered to this process`);
        continue;
      }
      try {
        const base = await prepareBase(chosen, name);
        controllers.push({ name, base, version: chosen.version });
      } catch (error) {
        problems.push(`the ${name} cgroup (v${chosen.version}) cannot be used: ${(error as Error).message}`);
      }
    }
    const support = new CgroupSupport(controllers);
    // A trial group proves the limits can be written.
    for (const controller of [...controllers]) {
      const trial = new CgroupSupport([controller]);
      try {
        const group = await trial.create(`probe-${process.pid}`, { memoryBytes: 64 * 1024 * 1024, maxProcesses: 64 });
        await group.remove();
      } catch (error) {
        problems.push(`the ${controller.name} cgroup cannot be used: ${(error as Error).message}`);
        controllers.splice(controllers.indexOf(controller), 1);
      }
    }
    return support;
  }

  get memory(): boolean {
    return this.controllers.some((controller) => controller.name === 'memory');
  }

  get pids(): boolean {
    return this.controllers.some((controller) => controller.name === 'pids');
  }

  /** e.g. `memory (v1), pids (v1)`, or `none`. */
  describe(): string {
    return this.controllers.map((controller) => `${controller.name} (v${controller.version})`).join(', ') || 'none';
  }

  async create(name: string, limits: CgroupLimits): Promise<RunCgroup> {
    const folders = new Map<string, Controller[]>();
    for (const controller of this.controllers) {
      const folder = path.join(controller.base, name);
      folders.set(folder, [...(folders.get(folder) ?? []), controller]);
    }
    const made: string[] = [];
    const removeAll = async (): Promise<void> => {
      for (const folder of made) await removeGroup(folder);
    };
    try {
      for (const [folder, controllers] of folders) {
        // A group left by a crashed server (its processes died with it) is removed first.
        if (await exists(folder)) await rmdir(folder).catch(() => undefined);
        await mkdir(folder);
        made.push(folder);
        for (const controller of controllers) await writeLimit(folder, controller, limits);
      }
    } catch (error) {
      await removeAll();
      throw error;
    }
    const memory = this.controllers.find((controller) => controller.name === 'memory');
    const memoryFolder = memory ? path.join(memory.base, name) : undefined;
    return {
      procsFiles: made.map((folder) => path.join(folder, 'cgroup.procs')),
      oomKills: async () => {
        if (!memory || !memoryFolder) return 0;
        const file = memory.version === 1 ? 'memory.oom_control' : 'memory.events';
        const text = await readFile(path.join(memoryFolder, file), 'utf8').catch(() => '');
        return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
      },
      processCount: async () => {
        let count = 0;
        for (const folder of made) {
          const text = await readFile(path.join(folder, 'cgroup.procs'), 'utf8').catch(() => '');
          count = Math.max(count, text.split('\n').filter(Boolean).length);
        }
        return count;
      },
      remove: removeAll,
    };
  }
}

async function writeLimit(folder: string, controller: Controller, limits: CgroupLimits): Promise<void> {
  if (controller.name === 'pids') {
    await writeFile(path.join(folder, 'pids.max'), String(limits.maxProcesses));
    return;
  }
  if (controller.version === 1) {
    await writeFile(path.join(folder, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    // With swap accounting, memory + swap gets the same cap (else a run could swap past it).
    const swap = path.join(folder, 'memory.memsw.limit_in_bytes');
    if (await exists(swap)) await writeFile(swap, String(limits.memoryBytes)).catch(() => undefined);
    return;
  }
  await writeFile(path.join(folder, 'memory.max'), String(limits.memoryBytes));
  const swap = path.join(folder, 'memory.swap.max');
  if (await exists(swap)) await writeFile(swap, '0').catch(() => undefined);
}

/** rmdir, retried for a second while the kernel finishes removing the run's last processes. */
async function removeGroup(folder: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    try {
      await rmdir(folder);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw error;
    }
    await delay(25);
  }
}

/**
 * `<server's cgroup>/cronwarden-sandbox`, made if missing. In cgroup v2 a group with controllers for
 * its children may hold no process itself, so the server first moves into a leaf of its own
 * (`cronwarden-server`) when its cgroup holds processes, then enables the controller for children.
 */
async function prepareBase(hierarchy: Hierarchy, controller: 'memory' | 'pids'): Promise<string> {
  const base = path.join(hierarchy.own, SANDBOX_GROUP);
  if (hierarchy.version === 1) {
    await mkdir(base, { recursive: true });
    return base;
  }
  const enable = (folder: string): Promise<void> =>
    writeFile(path.join(folder, 'cgroup.subtree_control'), `+${controller}`);
  try {
    await enable(hierarchy.own);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
    const leaf = path.join(hierarchy.own, SERVER_LEAF);
    await mkdir(leaf, { recursive: true });
    const members = (await readFile(path.join(hierarchy.own, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean);
    for (const pid of members) await writeFile(path.join(leaf, 'cgroup.procs'), pid).catch(() => undefined);
    await enable(hierarchy.own);
  }
  await mkdir(base, { recursive: true });
  await enable(base);
  return base;
}
