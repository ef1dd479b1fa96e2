import path from 'node:path';
import type { HostCapabilities, NetworkCutter } from './sandbox-host.js';
import {
  SANDBOX_MAX_FILE_BYTES,
  SANDBOX_MAX_OPEN_FILES,
  SANDBOX_MAX_PROCESSES,
  SANDBOX_NICENESS,
} from './sandbox-limits.js';

/** What to spawn: the program behind the wrappers that confine it. */
export interface LaunchPlan {
  file: string;
  args: string[];
  /** The program itself (its resolved path), behind the wrappers. */
  program: string;
  /** Set when spawn itself must switch user (root without setpriv). */
  uid?: number;
  gid?: number;
  /**
   * Name of the wrapper that execs the program, if any: its `<name>: failed to execute ...` on stderr
   * with exit code 126 or 127 means the program never started.
   */
  launcher: string | null;
}

/**
 * The command line, outermost first: [unshare --net (root)] → nice → prlimit → setpriv (drop to the
 * sandbox user) → [unshare --net in a user namespace] → setpriv (no_new_privs; SIGKILL when the server
 * dies) → the program. Each wrapper execs the next, so the program keeps the spawned pid (the process group
 * leader). The network namespace needs root, so it comes before the user switch; the limits are set
 * as root so RLIMIT_NPROC applies to the sandbox user after the switch.
 */
export function launchPlan(
  program: readonly string[],
  caps: HostCapabilities,
  network: NetworkCutter | null,
  memoryMb: number,
): LaunchPlan {
  const chain: string[] = [];
  let launcher: string | null = null;
  const wrap = (parts: string[]): void => {
    chain.push(...parts);
    launcher = path.basename(parts[0]);
  };
  const { user, setpriv } = caps;
  if (network?.privileged) wrap(network.prefix);
  if (caps.nice) wrap([caps.nice, '-n', String(SANDBOX_NICENESS)]);
  if (caps.prlimit) {
    wrap([
      caps.prlimit,
      `--data=${memoryMb * 1024 * 1024}`,
      // Counted per user: only meaningful (and only harmless) for the dedicated sandbox user.
      ...(user ? [`--nproc=${SANDBOX_MAX_PROCESSES}`] : []),
      `--nofile=${SANDBOX_MAX_OPEN_FILES}`,
      `--fsize=${SANDBOX_MAX_FILE_BYTES}`,
      '--core=0',
      '--',
    ]);
  }
  if (user && setpriv) wrap([setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--']);
  if (network && !network.privileged) wrap(network.prefix);
  // setpriv keeps its capabilities up to its own execve (it needs CAP_SETGID after setresuid), so the
  // exec that follows a user switch still passes root's permission checks: a program in a folder closed
  // to the sandbox user would start. A second setpriv, started without any capability, execs the program.
  if (setpriv) wrap([setpriv, '--no-new-privs', '--pdeathsig=KILL', '--']);
  const [file, ...args] = [...chain, ...program];
  // Root without setpriv: spawn itself switches user (every wrapper then runs unprivileged).
  const spawnSwitch = user && !setpriv ? { uid: user.uid, gid: user.gid } : {};
  return { file, args, program: program[0], launcher, ...spawnSwitch };
}
