import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AppConfig } from '../config/app-config.js';

const run = promisify(execFile);

/** The oldest Python the runner and the upload check are written for. */
export const PYTHON_MIN_VERSION: readonly [number, number] = [3, 8];

/** How long the probe at start may take (a pyenv shim starts a shell and pyenv first). */
const PROBE_TIMEOUT_MS = 15_000;

/**
 * What the probe prints, as one line of JSON: the real interpreter (symlinks resolved), its version, its
 * prefixes, where its standard library and shared library live, and every file mapped into its memory
 * once the standard library's native modules are loaded (the shared libraries it needs).
 */
export interface PythonProbe {
  executable: string;
  version: number[];
  prefixes: string[];
  libdir: string | null;
  stdlib: string;
  platstdlib: string;
  /** purelib and platlib: where installed packages go (hidden from runs: only the standard library is promised). */
  site_packages: string[];
  libraries: string[];
}

/** Run with `-I -S` (no environment, no site-packages), so it describes the interpreter alone. */
export const PYTHON_PROBE_SOURCE = [
  'import json, os, sys, sysconfig',
  "for name in ('ssl', 'sqlite3', 'ctypes', 'zlib', 'bz2', 'lzma', '_decimal', 'hashlib', 'socket', 'select',",
  "             'asyncio', 'datetime', 'math', 'json', 'csv', 'uuid', 'readline', 'curses', 'dbm'):",
  '    try:',
  '        __import__(name)',
  '    except Exception:',
  '        pass',
  'mapped = set()',
  "with open('/proc/self/maps') as maps:",
  '    for line in maps:',
  '        fields = line.split(None, 5)',
  "        if len(fields) == 6 and fields[5].startswith('/'):",
  '            mapped.add(fields[5].rstrip())',
  'paths = sysconfig.get_paths()',
  'print(json.dumps({',
  "    'executable': os.path.realpath(sys.executable),",
  "    'version': list(sys.version_info[:3]),",
  "    'prefixes': sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}),",
  "    'libdir': sysconfig.get_config_var('LIBDIR'),",
  "    'stdlib': paths['stdlib'],",
  "    'platstdlib': paths['platstdlib'],",
  "    'site_packages': sorted({paths['purelib'], paths['platlib']}),",
  "    'libraries': sorted(mapped),",
  '}))',
].join('\n');

/** A Python found at start: what runs execute, and the folders of it they are shown (read-only). */
export interface PythonInstall {
  /** The real binary (symlinks and pyenv shims resolved): runs execute it by this path. */
  executable: string;
  /** `3.11.7` */
  version: string;
  /** sys.prefix and sys.base_prefix (and the exec prefixes), for the start-up line. */
  prefixes: string[];
  /**
   * Folders a run sees read-only, at their own paths: the binary's folder, the standard library and
   * LIBDIR, and the folders of the shared libraries it loads that lie outside the system folders.
   */
  folders: string[];
  /**
   * Its site-packages folders inside {@link folders}: covered by an empty, unreadable folder in runs
   * (see mount-table.ts), so a run finds the standard library and no installed package.
   */
  hidden: string[];
}

export type PythonAvailability = { available: true; install: PythonInstall } | { available: false; reason: string };

/** Top-level folders every run already sees read-only (see sandbox-host.ts): no need to show them twice. */
export const SHOWN_SYSTEM_FOLDERS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];

function inside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);
}

/** A shared object (`libssl.so.3`, `_ssl.cpython-311-x86_64-linux-gnu.so`), not the locale archive or a cache. */
const SHARED_OBJECT = /\.so(\.[0-9.]+)?$/;

/**
 * The folders of `probe` a run must see for the interpreter to start and import its standard library,
 * outermost only (a folder inside another is left out), never `/` nor one the system view already shows.
 */
export function pythonFolders(probe: PythonProbe, systemFolders: readonly string[] = SHOWN_SYSTEM_FOLDERS): string[] {
  const candidates = [
    path.dirname(probe.executable),
    probe.stdlib,
    probe.platstdlib,
    ...(probe.libdir ? [probe.libdir] : []),
    ...probe.libraries.filter((file) => SHARED_OBJECT.test(file)).map((file) => path.dirname(file)),
  ]
    .filter((folder) => path.isAbsolute(folder))
    .map((folder) => path.normalize(folder).replace(/\/+$/, '') || '/');
  const needed = [...new Set(candidates)].filter(
    (folder) => folder !== '/' && !systemFolders.some((shown) => inside(folder, shown)),
  );
  needed.sort((a, b) => a.length - b.length || a.localeCompare(b));
  const outermost: string[] = [];
  for (const folder of needed) if (!outermost.some((kept) => inside(folder, kept))) outermost.push(folder);
  return outermost.sort();
}

/**
 * The site-packages folders of `probe` that lie inside folders shown for it alone (never inside the
 * system folders: what ShellJob runs see there stays as it is).
 */
export function pythonHidden(probe: PythonProbe, systemFolders: readonly string[] = SHOWN_SYSTEM_FOLDERS): string[] {
  const shown = pythonFolders(probe, systemFolders);
  return [...new Set(probe.site_packages.map((folder) => path.normalize(folder)))]
    .filter((folder) => path.isAbsolute(folder) && shown.some((parent) => folder !== parent && inside(folder, parent)))
    .sort();
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The probe's output as a {@link PythonProbe}, or why it is not one. */
export function parseProbe(stdout: string): PythonProbe | string {
  let value: unknown;
  try {
    value = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    return `it printed something else than the expected description: ${JSON.stringify(stdout.slice(0, 200))}`;
  }
  const probe = value as Partial<Record<keyof PythonProbe, unknown>> | null;
  if (
    !probe ||
    typeof probe.executable !== 'string' ||
    !Array.isArray(probe.version) ||
    !probe.version.every((part) => typeof part === 'number') ||
    !isStringArray(probe.prefixes) ||
    !(probe.libdir === null || typeof probe.libdir === 'string') ||
    typeof probe.stdlib !== 'string' ||
    typeof probe.platstdlib !== 'string' ||
    !isStringArray(probe.site_packages) ||
    !isStringArray(probe.libraries)
  ) {
    return 'its description of itself is incomplete';
  }
  return probe as PythonProbe;
}

/** Why `version` is too old, or null. */
export function versionProblem(version: readonly number[]): string | null {
  const [major = 0, minor = 0] = version;
  const [needMajor, needMinor] = PYTHON_MIN_VERSION;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return null;
  return `it is Python ${version.join('.')}; Python scripts need ${needMajor}.${needMinor} or newer`;
}

/**
 * Finds the Python interpreter named by `command` (SCRIPT_PYTHON: a name looked up in the server's PATH,
 * pyenv shims included, or an absolute path) by running it once with a probe, and resolves it to the real
 * binary and the folders runs must be shown. Never throws: a missing or unusable Python is a reason.
 */
export async function detectPython(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<PythonAvailability> {
  if (command === 'off') return { available: false, reason: 'SCRIPT_PYTHON is off' };
  let stdout: string;
  try {
    ({ stdout } = await run(command, ['-I', '-S', '-c', PYTHON_PROBE_SOURCE], {
      env,
      timeout: timeoutMs,
      maxBuffer: 1024 * 1024,
      cwd: '/',
    }));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (failure.code === 'ENOENT') return { available: false, reason: `${command} was not found` };
    if (failure.killed) return { available: false, reason: `${command} did not answer within ${timeoutMs} ms` };
    const said = (failure.stderr ?? '').trim().split('\n').pop() ?? '';
    return { available: false, reason: `${command} could not be run: ${said || failure.message}` };
  }
  const probe = parseProbe(stdout);
  if (typeof probe === 'string') return { available: false, reason: `${command}: ${probe}` };
  const tooOld = versionProblem(probe.version);
  if (tooOld) return { available: false, reason: `${command} (${probe.executable}): ${tooOld}` };
  return {
    available: true,
    install: {
      executable: probe.executable,
      version: probe.version.join('.'),
      prefixes: probe.prefixes,
      folders: pythonFolders(probe),
      hidden: pythonHidden(probe),
    },
  };
}

/** What to do about a missing Python, for messages and the start-up line. */
export const PYTHON_INSTALL_HINT =
  'install python3 (3.8 or newer, e.g. apt-get install python3) on the server, or point SCRIPT_PYTHON at one, and restart';

/**
 * The Python interpreter of Python ScriptJobs, looked for once (at start, when the sandbox is prepared):
 * fail closed, so without one Python scripts are refused and JavaScript ones keep working.
 */
@Injectable()
export class PythonInterpreter {
  private readonly logger = new Logger('Python');
  private once: Promise<PythonAvailability> | undefined;

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  availability(): Promise<PythonAvailability> {
    this.once ??= detectPython(this.config.get('sandbox.python', { infer: true })).then((found) => {
      if (found.available) {
        const { install } = found;
        this.logger.log(
          `Python scripts run ${install.executable} (Python ${install.version}, prefix ${install.prefixes.join(', ')}); runs see read-only ${install.folders.join(', ') || 'nothing more'}, without ${install.hidden.join(', ')}`,
        );
      } else {
        this.logger.warn(`Python scripts are disabled: ${found.reason}; ${PYTHON_INSTALL_HINT}`);
      }
      return found;
    });
    return this.once;
  }

  /** The folders runs are shown (none without a Python). */
  async folders(): Promise<string[]> {
    const found = await this.availability();
    return found.available ? found.install.folders : [];
  }

  /** Folders inside those that runs must not see: its site-packages (none without a Python). */
  async hidden(): Promise<string[]> {
    const found = await this.availability();
    return found.available ? found.install.hidden : [];
  }
}
