import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, maskUrl } from './load-config.js';
import { ENV_VARS } from './config.schema.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'cw-config-'));
const load = (env: Record<string, string>, readEnvFile = false) => loadConfig({ env, cwd, readEnvFile });

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('works out of the box with the documented defaults', () => {
    const { config } = load({});
    expect(config).toEqual({
      nodeEnv: 'development',
      http: { host: '127.0.0.1', port: 8888, trustProxy: false },
      database: { url: undefined, poolSize: 10 },
      embedded: { dataDir: path.join(cwd, 'data'), port: 54329 },
      auth: {
        jwtSecret: undefined,
        jwtExpiresInSeconds: 3600,
        refreshReuseGraceSeconds: 10,
        adminUsername: 'admin',
        adminPassword: undefined,
        bcryptCost: 12,
        passwordMinLength: 12,
        defaultRole: 'viewer',
        loginThrottle: {
          failuresPerUserAddress: 5,
          failuresPerAddress: 20,
          delayBaseSeconds: 1,
          delayMaxSeconds: 900,
          resetSeconds: 86400,
        },
      },
      timezone: 'UTC',
      log: { level: 'info', format: 'pretty' },
      shutdown: { graceSeconds: 10 },
      jobs: { defaultTimeoutSeconds: 3600, disabledClasses: [], resultMaxBytes: 65536, outputMaxBytes: 65536 },
      scheduler: { mode: 'dispatcher', sweepIntervalSeconds: 2, reconcileSeconds: 30, startPaused: false },
      sandbox: {
        memoryMb: 256,
        uidRange: { first: 1900000000, last: 1900065535 },
        network: 'none',
        tmpfsMb: 64,
        maxProcesses: 256,
        scriptMaxBytes: 262144,
        python: 'python3',
      },
      curl: { deny: ['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32', 'fd00:ec2::254/128'], allow: [] },
      limits: { maxJobsPerUser: 1000, maxRunningPerUser: 50 },
      retention: { executionDays: 90, auditDays: 0 },
      instances: { heartbeatSeconds: 5, staleSeconds: 30 },
      metrics: { token: undefined },
      events: {
        heartbeatSeconds: 15,
        bufferSize: 1000,
        maxStreamsPerUser: 5,
        maxStreams: 1000,
        maxUnsentBytes: 1048576,
        recheckSeconds: 5,
      },
      webhooks: {
        timeoutMs: 10_000,
        maxAttempts: 12,
        retryDelayMs: 10_000,
        retryDelayMaxMs: 3_600_000,
        maxAgeSeconds: 86_400,
        disableAfterSeconds: 86_400,
        pollSeconds: 5,
        retentionDays: 30,
      },
    });
  });

  it.each([
    ['PORT', 'abc', 'an integer from 1 to 65535'],
    ['PORT', '70000', 'an integer from 1 to 65535'],
    ['EMBEDDED_PG_PORT', '0', 'an integer from 1 to 65535'],
    ['DB_POOL_SIZE', '-1', 'an integer from 1 to 200'],
    ['TIMEZONE', 'Mars/Olympus', 'an IANA time zone name'],
    ['TIMEZONE', '+01:00', 'an IANA time zone name'],
    ['LOG_LEVEL', 'verbose', 'trace, debug, info, warn, error, fatal, silent'],
    ['LOG_FORMAT', 'xml', 'json, pretty'],
    ['NODE_ENV', 'staging', 'development, production, test'],
    ['DATABASE_URL', 'mysql://localhost/db', 'a postgres:// or postgresql:// URL'],
    ['JWT_SECRET', 'short', 'at least 32 characters'],
    ['SHUTDOWN_GRACE_SECONDS', '1.5', 'an integer from 0 to 3600'],
    ['JWT_EXPIRES_IN', '9s', 'a duration from 10s to 30d'],
    ['JWT_EXPIRES_IN', '1w', 'a duration from 10s to 30d'],
    ['BCRYPT_COST', '31', 'an integer from 4 to 15'],
    ['ADMIN_USERNAME', 'a b', '3 to 64 letters'],
    ['TRUST_PROXY', 'yes', 'false, a number of proxy hops from 1 to 10, or a comma-separated list'],
    ['TRUST_PROXY', 'true', 'false, a number of proxy hops from 1 to 10, or a comma-separated list'],
    ['TRUST_PROXY', '11', 'a number of proxy hops from 1 to 10'],
    ['TRUST_PROXY', '10.0.0.0/33', 'proxy addresses and CIDR ranges'],
    ['TRUST_PROXY', '10.0.0.1,proxy.example.com', 'proxy addresses and CIDR ranges'],
    ['JOB_CLASSES_DISABLED', 'Shell Job', 'a comma-separated list of job class names'],
    ['SCHEDULER_MODE', 'magic', 'dispatcher or cronjob'],
    ['SCHEDULER_START_PAUSED', 'yes', 'true or false'],
    ['HTTP_JOB_DENY', '10.0.0.0/33', 'a comma-separated list of CIDR ranges'],
    ['HTTP_JOB_ALLOW', 'localhost', 'a comma-separated list of CIDR ranges'],
    ['SANDBOX_NETWORK', 'off', 'none or host'],
    ['SANDBOX_UID_RANGE', '0-100', 'first-last, uids from 1000 to 4294967294 that no account uses'],
    ['SANDBOX_UID_RANGE', '2000-1000', 'first-last, uids from 1000 to 4294967294 that no account uses'],
    ['LOGIN_FAILURES_PER_USER_ADDRESS', '0', 'an integer from 1 to 1000'],
    ['LOGIN_DELAY_MAX_SECONDS', '0', 'an integer from 1 to 86400'],
  ])('rejects %s=%s, naming the variable and what it accepts', (name, value, accepts) => {
    const [problem, ...others] = problemsOf({ [name]: value });
    expect(others).toEqual([]);
    expect(problem).toMatch(new RegExp(`^${name}=`));
    expect(problem).toContain(accepts);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['1', { hops: 1 }],
    ['2', { hops: 2 }],
    ['10.0.0.0/8', { proxies: ['10.0.0.0/8'] }],
    [' 10.0.0.1 , 192.168.0.0/16,::1,loopback ', { proxies: ['10.0.0.1', '192.168.0.0/16', '::1', 'loopback'] }],
  ])('reads TRUST_PROXY=%s', (value, trustProxy) => {
    expect(load({ TRUST_PROXY: value }).config.http.trustProxy).toEqual(trustProxy);
  });

  it.each([
    ['LOGIN_MAX_FAILURES_PER_USER', 'LOGIN_'],
    ['LOGIN_MAX_FAILURES_PER_IP', 'LOGIN_'],
    ['LOGIN_FAILURE_WINDOW_SECONDS', 'LOGIN_'],
    ['LOGIN_LOCKOUT_SECONDS', 'LOGIN_'],
    ['SCRIPT_NETWORK', 'SANDBOX_NETWORK'],
    ['SANDBOX_USER', 'SANDBOX_UID_RANGE'],
  ])('refuses to start with %s, which is no longer read, saying what replaced it', (name, replacement) => {
    const [problem, ...others] = problemsOf({ [name]: '5' });
    expect(others).toEqual([]);
    expect(problem).toMatch(new RegExp(`^${name} is no longer read \\(.*${replacement}.*\\): unset it$`));
  });

  it('reports every wrong variable at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'loud' }).map((p) => p.split('=')[0])).toEqual(['PORT', 'LOG_LEVEL']);
  });

  it('never echoes a secret in an error message', () => {
    const [problem] = problemsOf({ JWT_SECRET: 'hunter2' });
    expect(problem).not.toContain('hunter2');
  });

  it('requires JWT_SECRET in production and switches the log format to json there', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_SECRET is required when NODE_ENV=production: expected a string of at least 32 characters',
    ]);
    const { config } = load({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    expect(config.log.format).toBe('json');
  });

  it('reads .env, lets the environment win, and reports where each value came from, secrets masked', () => {
    writeFileSync(path.join(cwd, '.env'), 'PORT=9000\nHOST=0.0.0.0\nDATABASE_URL=postgres://app:s3cret@db:5432/cw\n');
    const { config, report } = load({ PORT: '9100' }, true);
    expect(config.http).toEqual({ host: '0.0.0.0', port: 9100, trustProxy: false });
    const entry = (name: string) => report.find((e) => e.name === name);
    expect(entry('PORT')).toEqual({ name: 'PORT', value: '9100', source: 'environment' });
    expect(entry('HOST')).toEqual({ name: 'HOST', value: '0.0.0.0', source: '.env file' });
    expect(entry('TIMEZONE')).toEqual({ name: 'TIMEZONE', value: 'UTC', source: 'default' });
    expect(entry('DATABASE_URL')?.value).toBe('postgres://app:*****@db:5432/cw');
    expect(JSON.stringify(report)).not.toContain('s3cret');
  });

  it('lists every variable in the report', () => {
    expect(load({}).report.map((e) => e.name)).toEqual(Object.keys(ENV_VARS));
  });
});

describe('JWT_EXPIRES_IN', () => {
  it.each([
    ['3600', 3600],
    ['10s', 10],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
  ])('reads %s as %i seconds', (value, seconds) => {
    expect(load({ JWT_EXPIRES_IN: value }).config.auth.jwtExpiresInSeconds).toBe(seconds);
  });
});

describe('maskUrl', () => {
  it('hides the password only', () => {
    expect(maskUrl('postgresql://u:p@h:1/d?sslmode=require')).toBe('postgresql://u:*****@h:1/d?sslmode=require');
    expect(maskUrl('postgres://h/d')).toBe('postgres://h/d');
  });
});
