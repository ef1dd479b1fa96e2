import type { LogFormat, LogLevel, NodeEnv, TrustProxy } from './config.schema.js';

/** The validated configuration, read with `ConfigService<AppConfig, true>`. */
export interface AppConfig {
  nodeEnv: NodeEnv;
  http: { host: string; port: number; trustProxy: TrustProxy };
  database: {
    /** External PostgreSQL; `undefined` means the embedded server is used. */
    url: string | undefined;
    poolSize: number;
  };
  embedded: { dataDir: string; port: number };
  auth: {
    jwtSecret: string | undefined;
    jwtExpiresInSeconds: number;
    /** A rotated refresh token presented again this soon answers its successor rather than revoking the session. */
    refreshReuseGraceSeconds: number;
    adminUsername: string;
    adminPassword: string | undefined;
    bcryptCost: number;
    passwordMinLength: number;
    defaultRole: string;
    /** Failed password checks (login, password change): growing waits per username + address and per address. */
    loginThrottle: {
      failuresPerUserAddress: number;
      failuresPerAddress: number;
      delayBaseSeconds: number;
      delayMaxSeconds: number;
      resetSeconds: number;
    };
  };
  timezone: string;
  log: { level: LogLevel; format: LogFormat };
  shutdown: { graceSeconds: number };
  jobs: {
    defaultTimeoutSeconds: number;
    disabledClasses: string[];
    resultMaxBytes: number;
    outputMaxBytes: number;
  };
  scheduler: {
    mode: 'dispatcher' | 'cronjob';
    sweepIntervalSeconds: number;
    reconcileSeconds: number;
    /** SCHEDULER_START_PAUSED: fire nothing until an admin resumes. */
    startPaused: boolean;
  };
  sandbox: {
    memoryMb: number;
    /** Inclusive. */
    uidRange: { first: number; last: number };
    network: 'host' | 'none';
    tmpfsMb: number;
    maxProcesses: number;
    scriptMaxBytes: number;
    /** SCRIPT_PYTHON: `off`, a name looked up in PATH, or an absolute path. */
    python: string;
  };
  curl: { deny: string[]; allow: string[] };
  limits: { maxJobsPerUser: number; maxRunningPerUser: number };
  retention: { executionDays: number; auditDays: number };
  instances: { heartbeatSeconds: number; staleSeconds: number };
  metrics: { token: string | undefined };
  /** Webhook deliveries (src/webhooks). */
  webhooks: {
    timeoutMs: number;
    maxAttempts: number;
    retryDelayMs: number;
    retryDelayMaxMs: number;
    maxAgeSeconds: number;
    disableAfterSeconds: number;
    pollSeconds: number;
    retentionDays: number;
  };
  /** The event stream (GET /api/v1/events) and live output streams. */
  events: {
    heartbeatSeconds: number;
    bufferSize: number;
    maxStreamsPerUser: number;
    maxStreams: number;
    maxUnsentBytes: number;
    recheckSeconds: number;
  };
}

/** Where an effective setting came from, shown in the start-up report. */
export type ConfigSource = 'environment' | '.env file' | 'default' | 'unset' | 'generated';

export interface ConfigReportEntry {
  name: string;
  /** Display value, secrets masked. */
  value: string;
  source: ConfigSource;
}
