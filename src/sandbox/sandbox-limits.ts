/**
 * The fixed limits of every sandboxed process, next to the configurable memory cap (SANDBOX_MEMORY_MB).
 * Measured on Node 20 / Linux 6.
 */

/** The only PATH a sandboxed program sees (never the server's). */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

/** SIGTERM first; SIGKILL to the whole run (its PID namespace) this much later. */
export const KILL_AFTER_MS = 2_000;

/** RLIMIT_NOFILE (soft and hard). */
export const SANDBOX_MAX_OPEN_FILES = 1024;

/** RLIMIT_FSIZE: the largest file a program may write (past it: SIGXFSZ). */
export const SANDBOX_MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Niceness of sandboxed runs (set on the launcher right after spawn, inherited by everything it starts): a busy loop on a small machine must not starve the server's event
 * loop (its timers fire jobs) nor other runs much.
 */
export const SANDBOX_NICENESS = 10;

/**
 * The memory cap is RLIMIT_DATA (private writable memory), not RLIMIT_AS: V8 reserves ~0.75 GiB of
 * address space before running any code, and every WebAssembly memory another 10 GiB of guard
 * region (fetch() compiles its HTTP parser to WebAssembly), so an address-space cap either stops
 * node from starting or caps nothing. Reservations are PROT_NONE and do not count against RLIMIT_DATA.
 * A script's V8 heap gets `--max-old-space-size=SANDBOX_MEMORY_MB`, and RLIMIT_DATA this much more for
 * everything else (Node itself ~50 MiB, buffers, code): it then reaches its heap limit (a clean
 * "JavaScript heap out of memory") first. Measured: at 95% of the heap, VmData ≈ heap + 45–80 MiB.
 */
export const NODE_DATA_SLACK_MB = 256;

/** After the run is gone, how long output still in the pipes may take to arrive. */
export const PIPE_DRAIN_MS = 500;

/** The longest wait for a run's processes that SIGKILL did not end (a process stuck in the kernel). */
export const GROUP_GONE_TIMEOUT_MS = 10_000;

/**
 * Once an output is past its cap, the rest is still read (the program must not block on a full pipe)
 * but paced: a pause this long after each chunk. Reading `yes` flat out costs the server about half a
 * core; paced, about a tenth, and a flood still drains at ~30 MB/s.
 */
export const DRAIN_PAUSE_MS = 2;
