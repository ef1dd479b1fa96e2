import { RUN_PATHS } from './mount-table.js';

/** The util-linux and base-system programs the sandbox is built with (absolute paths). */
export interface SandboxTools {
  unshare: string;
  setpriv: string;
  mount: string;
  /** dash or bash: their `ulimit` flags differ (processes: -p / -u; file size in 512 / 1024-byte blocks). */
  shell: { path: string; kind: 'dash' | 'bash' };
}

export interface LaunchRequest {
  /** The program and its arguments, as the run sees them (a bare name is looked up in the run's PATH). */
  program: readonly string[];
  tools: SandboxTools;
  /** The host folder that becomes the run's `/`, and the fstab that fills it (see mount-table.ts). */
  root: string;
  fstab: string;
  uid: number;
  network: 'host' | 'none';
  /** `cgroup.procs` files the run joins before anything of the program runs. */
  cgroupProcs: readonly string[];
  limits: { dataBytes: number; maxProcesses: number; openFiles: number; fileBytes: number };
}

/** What to spawn. */
export interface LaunchPlan {
  file: string;
  args: string[];
  /** The program (argv[0]) as given, for messages. */
  program: string;
}

/**
 * File descriptors of the launcher: 2 carries the launcher's own messages (a mount that failed);
 * the program's stderr arrives on 4 and becomes its fd 2 just before it starts; 3 is the optional
 * result channel.
 */
export const LAUNCHER_FDS = { diagnostics: 2, channel: 3, stderr: 4 } as const;

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line of one sandboxed run, outermost first:
 * 1. `setpriv --pdeathsig=KILL`: the launcher dies with the server;
 * 2. `unshare --pid --fork --kill-child --mount --ipc --uts [--net]`: new namespaces; the forked child
 *    is PID 1 of the run and is killed with the launcher, and with PID 1 the kernel ends every process
 *    of the run (`setsid` and double forks included);
 * 3. `sh -c SETUP`, as root inside the namespaces: joins the run's cgroups, sets the rlimits (hard and
 *    soft; the process count is per uid, and the uid is the run's alone), makes every mount with one
 *    `mount -a`, hands fd 4 over as stderr;
 * 4. `unshare --root --wd --setuid --setgid`: into the run's root, `/work`, the run's uid, no groups;
 * 5. `setpriv --no-new-privs`: nothing it starts can gain privileges; then the program, which keeps
 *    PID 1.
 */
export function launchPlan(request: LaunchRequest): LaunchPlan {
  const { tools, limits } = request;
  const dash = tools.shell.kind === 'dash';
  const setup = [
    'set -e',
    ...request.cgroupProcs.map((file) => `echo 0 > ${quote(file)}`),
    `ulimit -d ${Math.ceil(limits.dataBytes / 1024)}`,
    `ulimit -${dash ? 'p' : 'u'} ${limits.maxProcesses}`,
    `ulimit -n ${limits.openFiles}`,
    `ulimit -f ${Math.ceil(limits.fileBytes / (dash ? 512 : 1024))}`,
    'ulimit -c 0',
    `${quote(tools.mount)} -n -a -T ${quote(request.fstab)}`,
    // The shell's own PWD would reach the program's environment.
    'unset PWD OLDPWD',
    `exec 2>&${LAUNCHER_FDS.stderr} ${LAUNCHER_FDS.stderr}>&-`,
    [
      'exec',
      quote(tools.unshare),
      quote(`--root=${request.root}`),
      `--wd=${RUN_PATHS.work}`,
      `--setuid=${request.uid}`,
      `--setgid=${request.uid}`,
      '--',
      quote(tools.setpriv),
      '--no-new-privs',
      '--',
      '"$@"',
    ].join(' '),
  ].join('\n');
  const namespaces = ['--pid', '--fork', '--kill-child', '--mount', '--ipc', '--uts'];
  if (request.network === 'none') namespaces.push('--net');
  const args = [
    '--pdeathsig=KILL',
    '--',
    tools.unshare,
    ...namespaces,
    '--propagation',
    'private',
    '--',
    tools.shell.path,
    '-c',
    setup,
    'cronwarden-sandbox',
    ...request.program,
  ];
  return { file: tools.setpriv, args, program: request.program[0] };
}
