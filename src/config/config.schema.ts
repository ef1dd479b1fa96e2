import { z } from 'zod';
import { isIanaTimeZone } from '../common/time-zone.js';

/**
 * Every environment variable Cronwarden reads, with its default and what it accepts.
 * This table is the single source for validation, the start-up report, `.env.example` and the README.
 */
export interface EnvVarSpec {
  /** Parses the raw string; fails when the value is not acceptable. */
  readonly schema: z.ZodType;
  /** Default as written in `.env.example`; `undefined` means "unset". */
  readonly default?: string;
  /** Human wording of what the variable accepts, used in error messages. */
  readonly accepts: string;
  /** One line for `.env.example` and the README. */
  readonly description: string;
  /** Masked in logs. */
  readonly secret?: boolean;
}

const NODE_ENVS = ['development', 'production', 'test'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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
  SHUTDOWN_GRACE_SECONDS: {
    schema: integer(0, 3600),
    default: '30',
    accepts: 'an integer from 0 to 3600',
    description: 'how long a stopping instance waits for requests and running work before it forces its way out',
  },
} as const satisfies Record<string, EnvVarSpec>;

export type EnvVarName = keyof typeof ENV_VARS;
export type NodeEnv = (typeof NODE_ENVS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
