/** What to run in the sandbox, and how. */
export interface SandboxSpec {
  /**
   * The program and its arguments, never interpreted by a shell. A bare name is looked up in the
   * sandbox PATH, a relative path in the work dir. A function gets the work dir first (for flags that
   * name it, such as Node's `--allow-fs-read=<dir>`).
   */
  argv: readonly string[] | ((workDir: string) => readonly string[]);
  /** Aborted on timeout or stop: the process group gets SIGTERM, then SIGKILL 2 s later. */
  signal: AbortSignal;
  /** Bytes of stdout and of stderr kept (each); the rest is read and counted, then dropped. */
  outputMaxBytes: number;
  /** `none` cuts the program off the network (a network namespace of its own), where the system allows it. */
  network?: 'host' | 'none';
  /**
   * Memory cap in MiB (RLIMIT_DATA: private writable memory, what a program actually allocates; not
   * RLIMIT_AS, which also counts reservations). Default: SANDBOX_MEMORY_MB.
   */
  memoryMb?: number;
  /** Files written into the work dir before the start: plain names (no `/`) to contents. */
  files?: Readonly<Record<string, string | Buffer>>;
  /**
   * Opens file descriptor 3 of the program as a pipe to the server (a result channel that needs no
   * file the server would have to read back); up to `maxBytes` of it come back as `channel`.
   */
  channel?: { maxBytes: number };
}

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
  /** True when `spec.signal` was aborted while it ran (the group was then killed). */
  aborted: boolean;
  /** From spawn to the end of the process group. */
  durationMs: number;
}

/**
 * The program could not be started: not found (`ENOENT`), not executable by the sandbox user
 * (`EACCES`), too many sandbox processes (`EAGAIN`), or the sandbox itself is unusable (`ESANDBOX`).
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
