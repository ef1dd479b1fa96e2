import path from 'node:path';

/**
 * What of the host a sandboxed run sees, decided once at start: the system's programs and libraries,
 * read-only, and nothing else of the host's files.
 */
export interface SystemView {
  /** `[host folder, where the run sees it]`, read-only; no target inside another (see {@link systemView}). */
  readOnly: Array<[source: string, target: string]>;
  /** Folders inside those that the run must not see (the app, `DATA_DIR`, home folders): covered by an empty tmpfs. */
  hidden: string[];
}

/** One top-level entry of `/` that programs need (`/usr`, `/bin`, `/lib64`, ...): a folder, or a symlink and where it leads. */
export interface TopLevelEntry {
  name: string;
  /** The symlink's resolved target, or undefined for a plain folder. */
  resolved?: string;
}

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);
}

/**
 * The run's view of the host: each top-level system folder at its own path (a symlink such as
 * `/bin -> usr/bin` is shown as a bind of its target, since the run's `/` is empty), then `extra`
 * folders (the Node.js or Python installation) unless already inside one of them; and, of `secret`,
 * the paths that lie inside something shown.
 */
export function systemView(
  topLevel: readonly TopLevelEntry[],
  extra: readonly string[],
  secret: readonly string[],
): SystemView {
  const readOnly: Array<[string, string]> = [];
  for (const entry of topLevel) {
    readOnly.push([entry.resolved ?? `/${entry.name}`, `/${entry.name}`]);
  }
  for (const folder of extra) {
    if (!readOnly.some(([source, target]) => source === target && inside(folder, target))) {
      readOnly.push([folder, folder]);
    }
  }
  const hidden = secret.filter(
    (candidate) =>
      candidate !== '/' && readOnly.some(([, target]) => inside(candidate, target) && candidate !== target),
  );
  // Parents before children, so a folder shown inside another one is mounted on top of it.
  readOnly.sort((a, b) => a[1].split('/').length - b[1].split('/').length || a[1].localeCompare(b[1]));
  return { readOnly, hidden: [...new Set(hidden)].sort() };
}

/** fstab fields escape white space and backslashes as octal (`\040`). */
function field(value: string): string {
  return value.replace(/[\s\\]/g, (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

export interface RunMounts {
  /** The host folder that becomes the run's `/` (an empty mount point; each run mounts its own tmpfs on it). */
  root: string;
  /** Host folder holding the device nodes a run gets (`null`, `zero`, `full`, `random`, `urandom`) and the `fd` links. */
  devDir: string;
  uid: number;
  /** Size of `/work` and of `/tmp`, each. */
  tmpfsMb: number;
  /** Host folder shown read-only at `/job` (the files the server gives the run), if any. */
  jobDir: string | null;
}

/** Where a run finds what it is given and where it may write. */
export const RUN_PATHS = { work: '/work', tmp: '/tmp', job: '/job' } as const;

/**
 * The mounts of one run, as an fstab for `mount -a -T` (one process makes them all, in order): an
 * empty root, the system read-only (no setuid, no devices), the hidden folders covered, a small
 * `/dev`, a `/proc` of the run's own PID namespace, `/work` (owned by the run's uid) and `/tmp` on
 * size-capped tmpfs, and `/job` read-only. Mount points are made on the way (`X-mount.mkdir`).
 */
export function mountTable(view: SystemView, run: RunMounts): string {
  const at = (target: string): string => field(path.join(run.root, target));
  const mkdir = 'X-mount.mkdir';
  const lines = [`cwroot ${field(run.root)} tmpfs size=1m,mode=0755,nosuid,nodev 0 0`];
  for (const [source, target] of view.readOnly) {
    lines.push(`${field(source)} ${at(target)} none bind,ro,nosuid,nodev,${mkdir} 0 0`);
  }
  for (const target of view.hidden) {
    lines.push(`cwhidden ${at(target)} tmpfs ro,size=4k,mode=0000,nosuid,nodev,noexec 0 0`);
  }
  lines.push(`${field(run.devDir)} ${at('/dev')} none bind,ro,nosuid,noexec,${mkdir} 0 0`);
  lines.push(`proc ${at('/proc')} proc nosuid,nodev,noexec,${mkdir} 0 0`);
  const size = `size=${run.tmpfsMb}m`;
  lines.push(
    `cwwork ${at(RUN_PATHS.work)} tmpfs ${size},uid=${run.uid},gid=${run.uid},mode=0700,nosuid,nodev,${mkdir} 0 0`,
  );
  lines.push(`cwtmp ${at(RUN_PATHS.tmp)} tmpfs ${size},mode=1777,nosuid,nodev,${mkdir} 0 0`);
  if (run.jobDir) lines.push(`${field(run.jobDir)} ${at(RUN_PATHS.job)} none bind,ro,nosuid,nodev,${mkdir} 0 0`);
  return `${lines.join('\n')}\n`;
}
