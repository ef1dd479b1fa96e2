/** What to run in the sandbox, and how. */
export interface SandboxSpec {
  /**
   * The program and its arguments as the run sees them, never interpreted by a shell. A bare name is
   * looked up in the sandbox PATH, a relative path in `/work` (the run's working directory).
   */
  argv: readonly string[];
  /**
   * Aborted on timeout or stop: the run's processes get SIGTERM, then SIGKILL 2 s later (at once when
   * its PID 1 has no SIGTERM handler, which a PID 1 would otherwise ignore).
   */
  signal: AbortSignal;
  /** Bytes of stdout and of stderr kept (each); the rest is read and counted, then dropped. */
  outputMaxBytes: number;
  /** `none`: a network namespace of the run's own, with no interface up. Default: SANDBOX_NETWORK. */
  network?: 'host' | 'none';
  /**
   * Memory of the whole run in MiB (memory cgroup where offered), also each process's RLIMIT_DATA
   * (private writable memory, not RLIMIT_AS, which also counts reservations). Default: SANDBOX_MEMORY_MB.
   */
  memoryMb?: number;
  /** Files the run finds read-only in `/job`: plain names (no `/`) to contents. */
  files?: Readonly<Record<string, string | Buffer>>;
  /**
   * Opens file descriptor 3 of the program as a pipe to the server (a result channel that needs no
   * file the server would have to read back); up to `maxBytes` of it come back as `channel`.
   */
  channel?: { maxBytes: number };
  /** Told of every chunk of stdout and stderr as it is read, while the run goes on (live output). */
  onOutput?: OutputTap;
}

/** Receives a run's output as it is written: `stream` says which, `chunk` is raw bytes. */
export type OutputTap = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/** How a sandboxed run ended. */
export interface SandboxResult {
  /** The exit code; null when a signal ended the program. */
  exitCode: number | null;
  /** The signal that ended the program, e.g. `SIGKILL`; null when it exited. */
  signal: NodeJS.Signals | null;
  /** stdout as UTF-8, cut at `outputMaxBytes` with a `[truncated: N more bytes]` line. */
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** What the program wrote to file descriptor 3, when `spec.channel` asked for it. */
  channel?: { bytes: Buffer; truncated: boolean };
  /** True when `spec.signal` was aborted while it ran (the run was then killed). */
  aborted: boolean;
  /** True when the kernel killed a process of the run for reaching the run's memory limit (cgroup). */
  outOfMemory: boolean;
  /** From spawn to the end of the run's last process. */
  durationMs: number;
}

/**
 * The program could not be started: not found (`ENOENT`), not executable (`EACCES`), too many
 * processes or runs (`EAGAIN`), or the sandbox itself is unusable here (`ESANDBOX`).
 */
export class SandboxStartError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'SandboxStartError';
  }
}
