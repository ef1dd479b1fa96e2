import net from 'node:net';
import { z } from 'zod';
import { isIanaTimeZone } from '../common/time-zone.js';

/**
 * Every environment variable Cronwarden reads, with its default and what it accepts.
 * This table is the single source for validation, the start-up report, `.env.example` and the
 * configuration table in docs/configuration.md (`npm run docs:config`).
 */
export interface EnvVarSpec {
  /** Parses the raw string; fails when the value is not acceptable. */
  readonly schema: z.ZodType;
  /** Default as written in `.env.example`; `undefined` means "unset". */
  readonly default?: string;
  /** Human wording of what the variable accepts, used in error messages. */
  readonly accepts: string;
  /** One line for `.env.example` and the
   * configuration table in docs/configuration.md (`npm run docs:config`). */
  readonly description: string;
  /** Masked in logs. */
  readonly secret?: boolean;
}

const NODE_ENVS = ['development', 'production', 'test'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** `3600`, `90s`, `15m`, `1h`, `7d` → seconds. */
const duration = (minSeconds: number, maxSeconds: number) =>
  z
    .string()
    .regex(/^\d+[smhd]?$/)
    .transform((value) => Number(value.replace(/[smhd]$/, '')) * DURATION_UNITS[value.replace(/^\d+/, '')])
    .pipe(z.number().int().min(minSeconds).max(maxSeconds));

/** `a.b.c.d/n` or `v6::/n` items, each accepted by node:net's BlockList. */
export function isCidr(item: string): boolean {
  const match = /^(.+)\/(\d{1,3})$/.exec(item.trim());
  if (!match) return false;
  const [, address, prefix] = match;
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
  if (!family || Number(prefix) > (family === 'ipv4' ? 32 : 128)) return false;
  try {
    new net.BlockList().addSubnet(address, Number(prefix), family);
    return true;
  } catch {
    return false;
  }
}

const cidrList = z.string().refine((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .every(isCidr),
);

/** How far X-Forwarded-For is believed: not at all, a number of proxy hops, or proxies at these addresses. */
export type TrustProxy = false | { hops: number } | { proxies: string[] };

export const MAX_PROXY_HOPS = 10;

/** Names @fastify/proxy-addr expands to the usual ranges. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const isProxyAddress = (item: string): boolean =>
  PROXY_RANGE_NAMES.includes(item) || net.isIP(item) !== 0 || isCidr(item);

/** `false` (or `0`), a hop count, or a list of proxy addresses and CIDR ranges; `true` (trust anyone) is refused. */
const trustProxy = z.string().transform((value, context): TrustProxy => {
  if (value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops >= 1 && hops <= MAX_PROXY_HOPS) return { hops };
  } else {
    const proxies = value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (proxies.length > 0 && proxies.every(isProxyAddress)) return { proxies };
  }
  context.addIssue({ code: 'custom', message: 'not a TRUST_PROXY value' });
  return z.NEVER;
});

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
});

export const ENV_VARS = {
  NODE_ENV: {
    schema: z.enum(NODE_ENVS),
    default: 'development',
    accepts: NODE_ENVS.join(', '),
    description: 'production makes JWT_SECRET mandatory and switches the default log format to json',
  },
  HOST: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    accepts: 'an interface address or host name to listen on (0.0.0.0 for all interfaces)',
    description: 'address the HTTP server listens on',
  },
  PORT: {
    schema: integer(1, 65535),
    default: '8888',
    accepts: 'an integer from 1 to 65535',
    description: "HTTP port (8888 is ndscheduler's)",
  },
  DATABASE_URL: {
    schema: postgresUrl,
    accepts: 'a postgres:// or postgresql:// URL',
    description: 'external PostgreSQL; when unset, an embedded PostgreSQL is started with its data in DATA_DIR',
    secret: true,
  },
  DB_POOL_SIZE: {
    schema: integer(1, 200),
    default: '10',
    accepts: 'an integer from 1 to 200',
    description: 'connections in the database pool of each instance',
  },
  DATA_DIR: {
    schema: z.string().min(1),
    default: './data',
    accepts: 'a folder path',
    description: 'embedded PostgreSQL data and generated secrets; kept across restarts',
  },
  EMBEDDED_PG_PORT: {
    schema: integer(1, 65535),
    default: '54329',
    accepts: 'an integer from 1 to 65535',
    description: 'port of the embedded PostgreSQL (listens on 127.0.0.1 only)',
  },
  JWT_SECRET: {
    schema: z.string().min(32),
    accepts: 'a string of at least 32 characters',
    description:
      'key that signs access tokens; when unset it is generated once and kept in DATA_DIR (embedded) or in the database (DATABASE_URL); required when NODE_ENV=production',
    secret: true,
  },
  JWT_EXPIRES_IN: {
    schema: duration(10, 30 * 86400),
    default: '1h',
    accepts: 'a duration from 10s to 30d, such as 3600, 15m, 1h or 7d',
    description: 'lifetime of an access token',
  },
  REFRESH_REUSE_GRACE_SECONDS: {
    schema: integer(0, 60),
    default: '10',
    accepts: 'an integer from 0 to 60',
    description:
      'a rotated refresh token presented again within this many seconds (two tabs, a reload during a refresh) gets the same successor instead of ending the session; 0 treats every reuse as theft',
  },
  ADMIN_USERNAME: {
    schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/),
    default: 'admin',
    accepts: '3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    description: 'the first admin, created at start when no user holds the admin role',
  },
  ADMIN_PASSWORD: {
    schema: z.string().min(1),
    accepts: 'a password that meets the password policy',
    description: "the first admin's password; when unset a strong one is generated and printed once to the console",
    secret: true,
  },
  BCRYPT_COST: {
    schema: integer(4, 15),
    default: '12',
    accepts: 'an integer from 4 to 15',
    description: 'bcrypt work factor of stored passwords (12 ≈ 0.2-0.3 s per hash on 2 cores)',
  },
  PASSWORD_MIN_LENGTH: {
    schema: integer(8, 72),
    default: '12',
    accepts: 'an integer from 8 to 72',
    description: 'shortest password accepted (at most 128 characters and 72 bytes; common passwords refused)',
  },
  DEFAULT_ROLE: {
    schema: z.string().min(1).max(64),
    default: 'viewer',
    accepts: 'the name of an existing role',
    description: 'role given to a user created without roles',
  },
  TRUST_PROXY: {
    schema: trustProxy,
    default: 'false',
    accepts: `false, a number of proxy hops from 1 to ${MAX_PROXY_HOPS}, or a comma-separated list of proxy addresses and CIDR ranges (loopback, linklocal and uniquelocal name the usual ranges)`,
    description:
      'which X-Forwarded-For entries to believe for the client address (per-address login limits, logs): false ignores the header; a list believes only proxies at those addresses (recommended); a hop count believes that many proxies, so use it only when no client can reach Cronwarden directly',
  },
  LOGIN_FAILURES_PER_USER_ADDRESS: {
    schema: integer(1, 1000),
    default: '5',
    accepts: 'an integer from 1 to 1000',
    description:
      'wrong passwords for one username from one client address before every further attempt from that address must wait (other addresses are not affected)',
  },
  LOGIN_FAILURES_PER_ADDRESS: {
    schema: integer(1, 100000),
    default: '20',
    accepts: 'an integer from 1 to 100000',
    description:
      'wrong passwords from one client address (IPv6: one /64), over all usernames, before every further attempt from it must wait',
  },
  LOGIN_DELAY_BASE_SECONDS: {
    schema: integer(1, 3600),
    default: '1',
    accepts: 'an integer from 1 to 3600',
    description:
      'the wait after the failure that reaches a limit; it doubles with every further failure (429 with Retry-After meanwhile)',
  },
  LOGIN_DELAY_MAX_SECONDS: {
    schema: integer(1, 86400),
    default: '900',
    accepts: 'an integer from 1 to 86400',
    description: 'the longest wait between two attempts of a username and address, or of an address',
  },
  LOGIN_FAILURE_RESET_SECONDS: {
    schema: integer(1, 30 * 86400),
    default: '86400',
    accepts: 'an integer from 1 to 2592000',
    description:
      'failures are forgotten once a username and address, or an address, has had no failure for this long after its last wait',
  },
  TIMEZONE: {
    schema: z.string().refine(isIanaTimeZone),
    default: 'UTC',
    accepts: 'an IANA time zone name such as UTC or Europe/Berlin',
    description: 'default time zone of new jobs',
  },
  LOG_LEVEL: {
    schema: z.enum(LOG_LEVELS),
    default: 'info',
    accepts: LOG_LEVELS.join(', '),
    description: 'lowest level that is logged',
  },
  LOG_FORMAT: {
    schema: z.enum(LOG_FORMATS),
    accepts: LOG_FORMATS.join(', '),
    description: 'json (one object per line) or pretty (for people); default pretty, json when NODE_ENV=production',
  },
  JOB_TIMEOUT_SECONDS: {
    schema: integer(1, 7 * 86400),
    default: '3600',
    accepts: 'an integer from 1 to 604800',
    description: 'default timeout_seconds of new jobs: a run still going after it ends in state timeout',
  },
  JOB_CLASSES_DISABLED: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$/)
      .transform((value) => value.split(',')),
    accepts: 'a comma-separated list of job class names, such as ShellJob,CurlJob',
    description:
      'job classes left out of the catalogue (no new jobs; existing jobs of those classes fail when they run)',
  },
  RESULT_MAX_BYTES: {
    schema: integer(1024, 16 * 1024 * 1024),
    default: '65536',
    accepts: 'an integer from 1024 to 16777216',
    description: 'largest execution result kept (JSON text); a longer one is cut and says so',
  },
  OUTPUT_MAX_BYTES: {
    schema: integer(1024, 16 * 1024 * 1024),
    default: '65536',
    accepts: 'an integer from 1024 to 16777216',
    description: 'stdout and stderr of a ShellJob, and the response body of a CurlJob, kept up to this many bytes each',
  },
  SCRIPT_MAX_BYTES: {
    schema: integer(1024, 16 * 1024 * 1024),
    default: '262144',
    accepts: 'an integer from 1024 to 16777216',
    description: 'largest uploaded script (413 past it)',
  },
  SCRIPT_PYTHON: {
    schema: z.string().regex(/^(off|[A-Za-z0-9._+-]+|\/[^\0]+)$/),
    default: 'python3',
    accepts: 'off, a program name looked up in PATH, or an absolute path',
    description:
      'the Python interpreter of Python ScriptJobs, resolved once at start to its real binary (off: Python scripts disabled)',
  },
  SANDBOX_MEMORY_MB: {
    schema: integer(32, 65536),
    default: '256',
    accepts: 'an integer from 32 to 65536',
    description:
      "memory of one ScriptJob or ShellJob run, all its processes together (memory cgroup where offered; also each process's data rlimit and a script's V8 heap)",
  },
  SANDBOX_UID_RANGE: {
    schema: z
      .string()
      .regex(/^\d{1,10}-\d{1,10}$/)
      .refine((value) => {
        const [first, last] = value.split('-').map(Number);
        return first >= 1000 && last <= 4294967294 && first <= last;
      }),
    default: '1900000000-1900065535',
    accepts: 'first-last, uids from 1000 to 4294967294 that no account uses',
    description:
      "each running ScriptJob or ShellJob gets a uid of its own from this range (no account needed; it must be mapped in the server's user namespace)",
  },
  SANDBOX_NETWORK: {
    schema: z.enum(['host', 'none']),
    default: 'none',
    accepts: 'none or host',
    description:
      "none: ScriptJob and ShellJob runs have no network (a network namespace of their own); host: the server's network",
  },
  SANDBOX_TMPFS_MB: {
    schema: integer(1, 65536),
    default: '64',
    accepts: 'an integer from 1 to 65536',
    description: "size of each of a run's two writable folders, /work and /tmp (tmpfs, gone when the run ends)",
  },
  SANDBOX_MAX_PROCESSES: {
    schema: integer(8, 65536),
    default: '256',
    accepts: 'an integer from 8 to 65536',
    description:
      "processes and threads of one run, all together (pids cgroup where offered, and the run uid's process rlimit)",
  },
  HTTP_JOB_DENY: {
    schema: cidrList,
    default: '169.254.169.254/32,169.254.170.2/32,100.100.100.200/32,fd00:ec2::254/128',
    accepts: 'a comma-separated list of CIDR ranges',
    description:
      'addresses CurlJob refuses to connect to even where HTTP_JOB_ALLOW covers them, on top of its built-in deny list ' +
      '(loopback, private, link-local and other non-public addresses: see docs/security.md, "CurlJob address rules"), which always applies; ' +
      'by default the cloud metadata and credential endpoints',
  },
  HTTP_JOB_ALLOW: {
    schema: cidrList,
    accepts: 'a comma-separated list of CIDR ranges',
    description:
      'addresses CurlJob may connect to although its built-in deny list refuses them (such as 10.0.0.0/8 for an ' +
      'internal network); HTTP_JOB_DENY still wins',
  },
  MAX_JOBS_PER_USER: {
    schema: integer(1, 1_000_000),
    default: '1000',
    accepts: 'an integer from 1 to 1000000',
    description: 'jobs one user may own (429 past it); admins are not limited',
  },
  MAX_RUNNING_PER_USER: {
    schema: integer(1, 100_000),
    default: '50',
    accepts: 'an integer from 1 to 100000',
    description: "executions of one user's jobs running at once, across instances; a fire past it is skipped",
  },
  EXECUTION_RETENTION_DAYS: {
    schema: integer(1, 36500),
    default: '90',
    accepts: 'an integer from 1 to 36500',
    description: 'executions older than this are deleted, in small batches, once a day',
  },
  AUDIT_RETENTION_DAYS: {
    schema: integer(0, 36500),
    default: '0',
    accepts: 'an integer from 0 to 36500 (0: keep forever)',
    description: 'audit log entries older than this are deleted once a day; 0 keeps them forever',
  },
  HEARTBEAT_SECONDS: {
    schema: integer(1, 300),
    default: '5',
    accepts: 'an integer from 1 to 300',
    description: 'how often an instance writes its heartbeat',
  },
  INSTANCE_STALE_SECONDS: {
    schema: integer(3, 3600),
    default: '30',
    accepts: 'an integer from 3 to 3600',
    description: 'an instance silent this long is dead: its running executions are marked failed (interrupted)',
  },
  SCHEDULER_MODE: {
    schema: z.enum(['dispatcher', 'cronjob']),
    default: 'dispatcher',
    accepts: 'dispatcher or cronjob',
    description:
      'dispatcher: one timer wakes at the earliest next fire and claims everything due in one statement; cronjob: every job ticks its own started CronJob',
  },
  SCHEDULER_START_PAUSED: {
    schema: z.enum(['true', 'false']).transform((value) => value === 'true'),
    default: 'false',
    accepts: 'true or false',
    description:
      'true: this instance starts firing nothing until an admin resumes the scheduler (POST /api/v1/scheduler/resume), even when the shared switch says running',
  },
  RECONCILE_SECONDS: {
    schema: integer(1, 3600),
    default: '30',
    accepts: 'an integer from 1 to 3600',
    description: "how often each instance compares its timers with the jobs table (LISTEN/NOTIFY's safety net)",
  },
  METRICS_TOKEN: {
    schema: z.string().min(16),
    accepts: 'a string of at least 16 characters',
    description:
      "bearer token Prometheus sends to scrape GET /metrics; when unset only an admin's access token can read the metrics",
    secret: true,
  },
  SWEEP_INTERVAL_SECONDS: {
    schema: integer(1, 300),
    default: '2',
    accepts: 'an integer from 1 to 300',
    description: 'how often the sweeper looks for due fires no timer claimed (stalls, lost ticks)',
  },
  EVENTS_HEARTBEAT_SECONDS: {
    schema: integer(1, 300),
    default: '15',
    accepts: 'an integer from 1 to 300',
    description:
      'how often an open event stream (GET /api/v1/events, live output) gets a comment line, so proxies keep it open',
  },
  EVENTS_BUFFER_SIZE: {
    schema: integer(0, 1_000_000),
    default: '1000',
    accepts: 'an integer from 0 to 1000000',
    description:
      'events each instance keeps for clients reconnecting with Last-Event-ID; one that missed more gets a resync event',
  },
  EVENTS_MAX_STREAMS_PER_USER: {
    schema: integer(1, 1_000_000),
    default: '5',
    accepts: 'an integer from 1 to 1000000',
    description: 'event and live-output streams one user may hold open on one instance (429 past it)',
  },
  EVENTS_MAX_STREAMS: {
    schema: integer(1, 1_000_000),
    default: '1000',
    accepts: 'an integer from 1 to 1000000',
    description: 'event and live-output streams one instance holds open, all users together (503 past it)',
  },
  EVENTS_MAX_UNSENT_BYTES: {
    schema: integer(1024, 256 * 1024 * 1024),
    default: '1048576',
    accepts: 'an integer from 1024 to 268435456',
    description: 'a stream whose client has not read this many bytes yet is closed (it reconnects and resyncs)',
  },
  EVENTS_RECHECK_SECONDS: {
    schema: integer(1, 300),
    default: '5',
    accepts: 'an integer from 1 to 300',
    description:
      "how often open streams re-read their user's rights and token (a revoked token, a disabled user or a lost permission ends the stream); a change of a user's roles is applied at once",
  },
  WEBHOOK_TIMEOUT_MS: {
    schema: integer(100, 120_000),
    default: '10000',
    accepts: 'an integer from 100 to 120000',
    description:
      'how long one webhook delivery attempt may take (connecting, sending, the answer); past it the attempt counts as a timeout and is retried',
  },
  WEBHOOK_MAX_ATTEMPTS: {
    schema: integer(1, 100),
    default: '12',
    accepts: 'an integer from 1 to 100',
    description:
      'attempts of one webhook delivery (the first and its retries after 5xx, timeouts and connection errors) before it is failed',
  },
  WEBHOOK_RETRY_DELAY_MS: {
    schema: integer(100, 86_400_000),
    default: '10000',
    accepts: 'an integer from 100 to 86400000',
    description:
      'delay before the first retry of a webhook delivery; it doubles with each further retry (each delay cut by up to 25% at random)',
  },
  WEBHOOK_RETRY_DELAY_MAX_MS: {
    schema: integer(100, 86_400_000),
    default: '3600000',
    accepts: 'an integer from 100 to 86400000',
    description: 'longest delay between two attempts of a webhook delivery',
  },
  WEBHOOK_MAX_AGE: {
    schema: duration(1, 30 * 86400),
    default: '24h',
    accepts: 'a duration from 1s to 30d (3600, 90s, 15m, 1h, 7d)',
    description: 'no retry of a webhook delivery starts later than this after its event (or after a redeliver)',
  },
  WEBHOOK_DISABLE_AFTER: {
    schema: duration(1, 365 * 86400),
    default: '24h',
    accepts: 'a duration from 1s to 365d (3600, 90s, 15m, 1h, 7d)',
    description:
      'a webhook whose every delivery attempt failed for this long is disabled (active false, with the reason in disabled_reason)',
  },
  WEBHOOK_POLL_SECONDS: {
    schema: integer(1, 300),
    default: '5',
    accepts: 'an integer from 1 to 300',
    description: "how often each instance looks for due webhook deliveries without being woken (NOTIFY's safety net)",
  },
  WEBHOOK_RETENTION_DAYS: {
    schema: integer(1, 36500),
    default: '30',
    accepts: 'an integer from 1 to 36500',
    description: 'finished webhook deliveries older than this are deleted once a day',
  },
  SHUTDOWN_GRACE_SECONDS: {
    schema: integer(0, 3600),
    default: '10',
    accepts: 'an integer from 0 to 3600',
    description:
      "how long running executions may finish when stopping, then they are stopped; the process is gone within this + 5 s: keep it 5 s under your supervisor's stop timeout",
  },
} as const satisfies Record<string, EnvVarSpec>;

export type EnvVarName = keyof typeof ENV_VARS;
export type NodeEnv = (typeof NODE_ENVS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
