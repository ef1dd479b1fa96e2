import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { AppConfig, ConfigReportEntry, ConfigSource } from './app-config.js';
import {
  ENV_VARS,
  type EnvVarName,
  type EnvVarSpec,
  type LogFormat,
  type LogLevel,
  type NodeEnv,
  type TrustProxy,
} from './config.schema.js';

/** A configuration value that Cronwarden cannot start with; the message names the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: AppConfig;
  report: ConfigReportEntry[];
}

export interface LoadConfigOptions {
  /** Variables of the process; wins over the `.env` file. */
  env: NodeJS.ProcessEnv;
  /** Folder holding the optional `.env` file; relative paths (DATA_DIR) resolve against it. */
  cwd: string;
  /** Read `<cwd>/.env` (default true). */
  readEnvFile?: boolean;
}

interface RawValue {
  raw: string | undefined;
  source: ConfigSource;
}

/**
 * Variables Cronwarden no longer reads, with what replaced them: one left set would silently mean
 * something else than its operator expects, so start-up refuses it.
 */
export const REMOVED_ENV_VARS: Readonly<Record<string, string>> = {
  LOGIN_MAX_FAILURES_PER_USER:
    'a username is no longer locked for everyone: see LOGIN_FAILURES_PER_USER_ADDRESS (per username and client address)',
  LOGIN_MAX_FAILURES_PER_IP: 'renamed LOGIN_FAILURES_PER_ADDRESS',
  LOGIN_FAILURE_WINDOW_SECONDS: 'see LOGIN_FAILURE_RESET_SECONDS',
  LOGIN_LOCKOUT_SECONDS:
    'locks were replaced by growing waits: see LOGIN_DELAY_BASE_SECONDS and LOGIN_DELAY_MAX_SECONDS',
  SCRIPT_NETWORK: 'renamed SANDBOX_NETWORK, which covers ShellJob too and defaults to none',
  SANDBOX_USER: 'each run now gets a uid of its own: see SANDBOX_UID_RANGE',
};

function readEnvFile(cwd: string): Record<string, string> {
  const file = path.join(cwd, '.env');
  return existsSync(file) ? parseDotenv(readFileSync(file)) : {};
}

function pickRaw(name: EnvVarName, env: NodeJS.ProcessEnv, fileValues: Record<string, string>): RawValue {
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv !== '') return { raw: fromEnv, source: 'environment' };
  const fromFile = fileValues[name];
  if (fromFile !== undefined && fromFile !== '') return { raw: fromFile, source: '.env file' };
  const spec: EnvVarSpec = ENV_VARS[name];
  const fallback = spec.default;
  return fallback === undefined ? { raw: undefined, source: 'unset' } : { raw: fallback, source: 'default' };
}

/** `first-last` (already validated) → the inclusive range. */
const uidRange = (value: string): { first: number; last: number } => {
  const [first, last] = value.split('-').map(Number);
  return { first, last };
};

const cidrList = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

/** Masks the password of a connection URL. */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '*****';
    return url.toString();
  } catch {
    return '*****';
  }
}

function display(name: EnvVarName, raw: string | undefined): string {
  if (raw === undefined) return '(unset)';
  if (name === 'DATABASE_URL') return maskUrl(raw);
  const spec: EnvVarSpec = ENV_VARS[name];
  return spec.secret ? '*****' : raw;
}

/**
 * Reads every variable of {@link ENV_VARS} from the environment and the `.env` file, validates it,
 * and returns the typed configuration plus a report of where each value came from.
 * Throws {@link ConfigError} naming every wrong variable and what it accepts.
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const fileValues = options.readEnvFile === false ? {} : readEnvFile(options.cwd);
  const problems: string[] = [];
  const values = new Map<EnvVarName, unknown>();
  const report: ConfigReportEntry[] = [];

  for (const name of Object.keys(ENV_VARS) as EnvVarName[]) {
    const { raw, source } = pickRaw(name, options.env, fileValues);
    report.push({ name, value: display(name, raw), source });
    if (raw === undefined) continue;
    const parsed = ENV_VARS[name].schema.safeParse(raw.trim());
    if (parsed.success) {
      values.set(name, parsed.data);
    } else {
      const shown = display(name, raw);
      problems.push(`${name}=${JSON.stringify(shown)} is not valid: expected ${ENV_VARS[name].accepts}`);
    }
  }

  for (const [name, replacement] of Object.entries(REMOVED_ENV_VARS)) {
    const value = options.env[name] ?? fileValues[name];
    if (value !== undefined && value !== '') problems.push(`${name} is no longer read (${replacement}): unset it`);
  }

  const nodeEnv = (values.get('NODE_ENV') ?? 'development') as NodeEnv;
  if (nodeEnv === 'production' && !values.has('JWT_SECRET') && !problems.some((p) => p.startsWith('JWT_SECRET'))) {
    problems.push(`JWT_SECRET is required when NODE_ENV=production: expected ${ENV_VARS.JWT_SECRET.accepts}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const logFormat = (values.get('LOG_FORMAT') ?? (nodeEnv === 'production' ? 'json' : 'pretty')) as LogFormat;
  const formatEntry = report.find((entry) => entry.name === 'LOG_FORMAT');
  if (formatEntry && formatEntry.source === 'unset')
    Object.assign(formatEntry, { value: logFormat, source: 'default' });

  const get = <T>(name: EnvVarName): T => values.get(name) as T;
  const config: AppConfig = {
    nodeEnv,
    http: { host: get<string>('HOST'), port: get<number>('PORT'), trustProxy: get<TrustProxy>('TRUST_PROXY') },
    database: { url: values.get('DATABASE_URL') as string | undefined, poolSize: get<number>('DB_POOL_SIZE') },
    embedded: {
      dataDir: path.resolve(options.cwd, get<string>('DATA_DIR')),
      port: get<number>('EMBEDDED_PG_PORT'),
    },
    auth: {
      jwtSecret: values.get('JWT_SECRET') as string | undefined,
      jwtExpiresInSeconds: get<number>('JWT_EXPIRES_IN'),
      refreshReuseGraceSeconds: get<number>('REFRESH_REUSE_GRACE_SECONDS'),
      adminUsername: get<string>('ADMIN_USERNAME'),
      adminPassword: values.get('ADMIN_PASSWORD') as string | undefined,
      bcryptCost: get<number>('BCRYPT_COST'),
      passwordMinLength: get<number>('PASSWORD_MIN_LENGTH'),
      defaultRole: get<string>('DEFAULT_ROLE'),
      loginThrottle: {
        failuresPerUserAddress: get<number>('LOGIN_FAILURES_PER_USER_ADDRESS'),
        failuresPerAddress: get<number>('LOGIN_FAILURES_PER_ADDRESS'),
        delayBaseSeconds: get<number>('LOGIN_DELAY_BASE_SECONDS'),
        delayMaxSeconds: get<number>('LOGIN_DELAY_MAX_SECONDS'),
        resetSeconds: get<number>('LOGIN_FAILURE_RESET_SECONDS'),
      },
    },
    timezone: get<string>('TIMEZONE'),
    log: { level: get<LogLevel>('LOG_LEVEL'), format: logFormat },
    shutdown: { graceSeconds: get<number>('SHUTDOWN_GRACE_SECONDS') },
    jobs: {
      defaultTimeoutSeconds: get<number>('JOB_TIMEOUT_SECONDS'),
      disabledClasses: (values.get('JOB_CLASSES_DISABLED') as string[] | undefined) ?? [],
      resultMaxBytes: get<number>('RESULT_MAX_BYTES'),
      outputMaxBytes: get<number>('OUTPUT_MAX_BYTES'),
    },
    scheduler: {
      mode: get<'dispatcher' | 'cronjob'>('SCHEDULER_MODE'),
      sweepIntervalSeconds: get<number>('SWEEP_INTERVAL_SECONDS'),
      reconcileSeconds: get<number>('RECONCILE_SECONDS'),
      startPaused: get<boolean>('SCHEDULER_START_PAUSED'),
    },
    sandbox: {
      memoryMb: get<number>('SANDBOX_MEMORY_MB'),
      uidRange: uidRange(get<string>('SANDBOX_UID_RANGE')),
      network: get<'host' | 'none'>('SANDBOX_NETWORK'),
      tmpfsMb: get<number>('SANDBOX_TMPFS_MB'),
      maxProcesses: get<number>('SANDBOX_MAX_PROCESSES'),
      scriptMaxBytes: get<number>('SCRIPT_MAX_BYTES'),
      python: get<string>('SCRIPT_PYTHON'),
    },
    curl: { deny: cidrList(values.get('HTTP_JOB_DENY')), allow: cidrList(values.get('HTTP_JOB_ALLOW')) },
    limits: {
      maxJobsPerUser: get<number>('MAX_JOBS_PER_USER'),
      maxRunningPerUser: get<number>('MAX_RUNNING_PER_USER'),
    },
    retention: {
      executionDays: get<number>('EXECUTION_RETENTION_DAYS'),
      auditDays: get<number>('AUDIT_RETENTION_DAYS'),
    },
    instances: {
      heartbeatSeconds: get<number>('HEARTBEAT_SECONDS'),
      staleSeconds: get<number>('INSTANCE_STALE_SECONDS'),
    },
    metrics: { token: values.get('METRICS_TOKEN') as string | undefined },
    webhooks: {
      timeoutMs: get<number>('WEBHOOK_TIMEOUT_MS'),
      maxAttempts: get<number>('WEBHOOK_MAX_ATTEMPTS'),
      retryDelayMs: get<number>('WEBHOOK_RETRY_DELAY_MS'),
      retryDelayMaxMs: get<number>('WEBHOOK_RETRY_DELAY_MAX_MS'),
      maxAgeSeconds: get<number>('WEBHOOK_MAX_AGE'),
      disableAfterSeconds: get<number>('WEBHOOK_DISABLE_AFTER'),
      pollSeconds: get<number>('WEBHOOK_POLL_SECONDS'),
      retentionDays: get<number>('WEBHOOK_RETENTION_DAYS'),
    },
    events: {
      heartbeatSeconds: get<number>('EVENTS_HEARTBEAT_SECONDS'),
      bufferSize: get<number>('EVENTS_BUFFER_SIZE'),
      maxStreamsPerUser: get<number>('EVENTS_MAX_STREAMS_PER_USER'),
      maxStreams: get<number>('EVENTS_MAX_STREAMS'),
      maxUnsentBytes: get<number>('EVENTS_MAX_UNSENT_BYTES'),
      recheckSeconds: get<number>('EVENTS_RECHECK_SECONDS'),
    },
  };
  return { config, report };
}
