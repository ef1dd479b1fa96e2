#!/usr/bin/env node
import 'reflect-metadata';
import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HttpException, type INestApplicationContext, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { MIGRATIONS } from '../migrations/index.js';
import { AccessModule } from './access/access.module.js';
import type { AuthUser } from './access/auth-user.js';
import { ADMIN_ROLE } from './access/permissions.js';
import { AuditLogsModule } from './audit-logs/audit-logs.module.js';
import { AuthCoreModule } from './auth/auth-core.module.js';
import { formatTable, shownUrl } from './cli-output.js';
import { LoginThrottleService } from './auth/login-throttle.service.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { DatabaseModule } from './database/database.module.js';
import { JobClassesModule } from './job-classes/job-classes.module.js';
import { JobsService } from './jobs/jobs.service.js';
import {
  formatNdschedulerImport,
  importFromNdscheduler,
  NdschedulerImportError,
} from './ndscheduler/ndscheduler-import.js';
import { DetachedSchedulerFacade } from './scheduler/detached-scheduler.js';
import { OwnerRights } from './scheduler/owner-rights.js';
import { SchedulerFacade } from './scheduler/scheduler.facade.js';
import { ScriptsModule } from './scripts/scripts.module.js';
import { EmbeddedPostgresError } from './database/embedded-postgres.js';
import { openDatabase, type OpenedDatabase } from './database/open-database.js';
import { readSchemaState } from './database/schema-state.js';
import { SettingsModule } from './settings/settings.module.js';
import { generatePassword, STARTUP_ACTOR } from './users/admin-bootstrap.service.js';
import { UsersModule } from './users/users.module.js';
import { UsersService } from './users/users.service.js';
import type { User } from './database/entities/user.entity.js';

const USAGE = `Cronwarden operator commands (work without the API; audited as cli:<os user>)

Usage: npx cronwarden <command> [arguments] [options]     (or: npm run cli -- <command> ...)
Both run the built code (dist/): run npm run build once first.

  create-user <username> [--role <name>]... [--email <address>] [--password-stdin]
      Creates a user (roles default to DEFAULT_ROLE). Prints a generated password unless
      --password-stdin reads one from standard input.
  reset-password <username> [--password-stdin]
      Sets a new password (generated and printed unless --password-stdin), revokes the user's
      tokens and clears their failed-login lock.
  grant-admin <username>      Adds the admin role.
  enable-user <username>      Re-enables a disabled user.
  disable-user <username>     Disables a user and revokes their tokens.
  list-users                  Lists users with their state and roles.
  import-ndscheduler --url <http://host:7777> [--owner <username>] [--dry-run]
      Reads a running ndscheduler's jobs (GET <url>/api/v1/jobs) and creates them here, owned by
      --owner (default: the first admin): ShellJob and CurlJob with their arguments, day_of_week
      renumbered from Monday=0 to crontab's Sunday=0, paused ones paused. Jobs of other classes are
      listed with the reason. All in one transaction; jobs whose name the owner has already are
      skipped, so a second run creates nothing. --dry-run shows what it would do and writes nothing.
      See docs/ndscheduler.md.

Options:
  --data-dir <path>       The DATA_DIR of the server whose embedded PostgreSQL to open
                          (default: DATA_DIR, else ./data).
  --database-url <url>    The external PostgreSQL to open (default: DATABASE_URL).
                          A flag wins over the environment and .env.
  --json                  Prints the result as JSON (for scripts) instead of text.

The CLI only opens an existing Cronwarden database, one the server has created and migrated
(npm start does both); it never creates a database or changes its schema. With the embedded
PostgreSQL it joins the server's if Cronwarden runs, else starts it for the command.`;

const COMMANDS = [
  'create-user',
  'reset-password',
  'grant-admin',
  'enable-user',
  'disable-user',
  'list-users',
  'import-ndscheduler',
];

/** A failure worth one line to the operator. */
class CliError extends Error {}

@Module({})
class CliModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => config] }),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: 2, logger: pino({ level: 'warn' }, pino.destination(2)) }),
        SettingsModule,
        AccessModule,
        AuditLogsModule,
        AuthCoreModule,
        UsersModule,
        JobClassesModule,
        ScriptsModule,
      ],
      // JobsService, for import-ndscheduler: it writes and announces jobs; the servers fire them.
      providers: [JobsService, OwnerRights, { provide: SchedulerFacade, useClass: DetachedSchedulerFacade }],
    };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function passwordFrom(fromStdin: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  if (fromStdin) return { password: await readStdin(), generated: false };
  return { password: generatePassword(), generated: true };
}

/** What a command prints: text for people, or with --json the value as JSON. */
interface CommandResult {
  text: string;
  json: unknown;
}

interface CommandOptions {
  role?: string[];
  email?: string;
  'password-stdin'?: boolean;
  url?: string;
  owner?: string;
  'dry-run'?: boolean;
}

const userJson = (user: User) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  is_active: user.isActive,
  roles: user.roles.map((role) => role.name).sort(),
  created_time: user.createdTime.toISOString(),
  last_login: user.lastLogin?.toISOString() ?? null,
});

async function run(
  app: INestApplicationContext,
  command: string,
  positionals: string[],
  values: CommandOptions,
): Promise<CommandResult> {
  const users = app.get(UsersService);
  const actor: AuthUser = { ...STARTUP_ACTOR, username: `cli:${userInfo().username}` };
  const findUser = async () => {
    const username = positionals[0];
    if (!username) throw new CliError(`${command} needs a username`);
    const user = await users.findByUsername(username);
    if (!user) throw new CliError(`No user named ${username}`);
    return user;
  };

  switch (command) {
    case 'create-user': {
      const username = positionals[0];
      if (!username) throw new CliError('create-user needs a username');
      const { password, generated } = await passwordFrom(values['password-stdin']);
      const user = await users.create(actor, { username, password, email: values.email, roles: values.role });
      const roles = user.roles.map((role) => role.name);
      return {
        text: `Created user ${user.username} (roles: ${roles.join(', ') || '(none)'})${generated ? `\nPassword: ${password}` : ''}`,
        json: { username: user.username, roles, ...(generated ? { password } : {}) },
      };
    }
    case 'reset-password': {
      const user = await findUser();
      const { password, generated } = await passwordFrom(values['password-stdin']);
      await users.setPassword(actor, user, password, 'password');
      await app.get(LoginThrottleService).clear(user.username);
      return {
        text: `New password set for ${user.username}; earlier tokens revoked${generated ? `\nPassword: ${password}` : ''}`,
        json: { username: user.username, ...(generated ? { password } : {}) },
      };
    }
    case 'grant-admin': {
      const user = await findUser();
      const roles = [...new Set([...user.roles.map((role) => role.name), ADMIN_ROLE])].sort();
      await users.setRoles(actor, user.id, roles);
      return {
        text: `${user.username} now has the roles: ${roles.join(', ')}`,
        json: { username: user.username, roles },
      };
    }
    case 'enable-user':
    case 'disable-user': {
      const user = await findUser();
      const active = command === 'enable-user';
      await users.update(actor, user.id, { is_active: active });
      return {
        text: `${user.username} is ${active ? 'enabled' : 'disabled'}`,
        json: { username: user.username, is_active: active },
      };
    }
    case 'list-users': {
      const { rows } = await users.list({}, 1000, 0);
      const list = rows.map(userJson);
      return {
        text: formatTable(
          ['USERNAME', 'STATE', 'ROLES'],
          list.map((user) => [user.username, user.is_active ? 'active' : 'disabled', user.roles.join(',')]),
        ),
        json: list,
      };
    }
    case 'import-ndscheduler': {
      if (!values.url) throw new CliError("import-ndscheduler needs --url <http://host:7777> (ndscheduler's address)");
      const report = await importFromNdscheduler({ jobs: app.get(JobsService), users }, actor, {
        url: values.url,
        owner: values.owner,
        dryRun: values['dry-run'] ?? false,
      });
      return { text: formatNdschedulerImport(report), json: report };
    }
    default:
      throw new CliError(`Unknown command ${command}\n\n${USAGE}`);
  }
}

/** Where the CLI looks for the database: flags first, then the environment and .env. */
function configFor(flags: { 'data-dir'?: string; 'database-url'?: string }): AppConfig {
  if (flags['data-dir'] !== undefined && flags['database-url'] !== undefined) {
    throw new CliError('give --data-dir or --database-url, not both');
  }
  const env = { ...process.env };
  if (flags['database-url'] !== undefined) env.DATABASE_URL = flags['database-url'];
  if (flags['data-dir'] !== undefined) env.DATA_DIR = path.resolve(flags['data-dir']);
  const { config } = loadConfig({ env, cwd: process.cwd() });
  // --data-dir means the embedded PostgreSQL of that folder, whatever DATABASE_URL says.
  return flags['data-dir'] !== undefined ? { ...config, database: { ...config.database, url: undefined } } : config;
}

/** The embedded cluster of DATA_DIR must exist already: the CLI never creates one. */
function assertEmbeddedClusterExists(dataDir: string): void {
  const folder = path.resolve(dataDir);
  const cluster = path.join(folder, 'postgres');
  let problem: string | undefined;
  try {
    statSync(folder);
    if (!existsSync(path.join(cluster, 'PG_VERSION'))) problem = `${cluster} holds no PostgreSQL cluster`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem = code === 'ENOENT' ? `${folder} does not exist` : `${folder} cannot be read (${code})`;
  }
  if (problem) {
    throw new CliError(
      `No Cronwarden database in DATA_DIR ${folder}: ${problem}. The CLI opens an existing database and never ` +
        'creates one: point it at the folder the server uses with --data-dir <path> (or DATA_DIR), or at an ' +
        'external PostgreSQL with --database-url <url> (or DATABASE_URL); npm start creates a new one.',
    );
  }
}

/**
 * The database must hold Cronwarden's schema at this version: the CLI runs no migrations (starting the
 * server of this version applies them), so it refuses a database without the schema or with pending ones.
 */
async function assertCurrentSchema(url: string, tried: string): Promise<void> {
  const state = await readSchemaState(url);
  switch (state.kind) {
    case 'unreachable':
      throw new CliError(`Cannot connect to ${tried}: ${state.message}`);
    case 'no-schema':
      throw new CliError(
        `${tried} holds no Cronwarden schema (no migrations table): the CLI does not create one; ` +
          'start the server once against this database (npm start applies the migrations), or point the CLI ' +
          'at the right one with --database-url <url> or --data-dir <path>',
      );
    case 'migrated': {
      const applied = new Set(state.applied);
      const pending = MIGRATIONS.map((migration) => migration.name).filter((name) => !applied.has(name));
      if (pending.length > 0) {
        throw new CliError(
          `The schema of ${tried} is older than this version (${pending.length} migration(s) pending: ` +
            `${pending.join(', ')}): start the server of this version once to upgrade it, then run the CLI again`,
        );
      }
    }
  }
}

/** Opens the existing database the flags, the environment or .env point to; never creates one. */
async function openExistingDatabase(config: AppConfig): Promise<OpenedDatabase> {
  const log = (message: string): boolean => process.stderr.write(`${message}\n`);
  if (config.database.url) {
    await assertCurrentSchema(config.database.url, `DATABASE_URL ${shownUrl(config.database.url)}`);
    return openDatabase(config, { info: log, warn: log });
  }
  assertEmbeddedClusterExists(config.embedded.dataDir);
  const database = await openDatabase(config, { info: log, warn: log });
  try {
    await assertCurrentSchema(
      database.url,
      `the embedded PostgreSQL of DATA_DIR ${path.resolve(config.embedded.dataDir)}`,
    );
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function describe(error: unknown): string {
  if (error instanceof HttpException) {
    const response = error.getResponse() as { message?: string | string[] } | string;
    const message = typeof response === 'string' ? response : response.message;
    return Array.isArray(message) ? message.join('; ') : (message ?? error.message);
  }
  return (error as Error).message;
}

const OPTIONS = {
  role: { type: 'string', multiple: true },
  email: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  url: { type: 'string' },
  owner: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: OPTIONS, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`cronwarden: ${(error as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  const { values } = parsed;
  const [command, ...positionals] = parsed.positionals;
  if (!command || command === 'help' || values.help) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 1;
  }
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`cronwarden: unknown command ${command}\n\n${USAGE}\n`);
    return 1;
  }
  let app: INestApplicationContext | undefined;
  let close = (): Promise<void> => Promise.resolve();
  try {
    const config = configFor(values);
    const database = await openExistingDatabase(config);
    close = () => database.close();
    app = await NestFactory.createApplicationContext(CliModule.forRoot(config, database.url), { logger: ['error'] });
    const result = await run(app, command, positionals, values);
    process.stdout.write(`${values.json ? JSON.stringify(result.json, null, 2) : result.text}\n`);
    return 0;
  } catch (error) {
    const known =
      error instanceof CliError ||
      error instanceof HttpException ||
      error instanceof ConfigError ||
      error instanceof NdschedulerImportError;
    const embedded = error instanceof EmbeddedPostgresError;
    process.stderr.write(
      `cronwarden: ${known || embedded ? describe(error) : ((error as Error).stack ?? String(error))}\n`,
    );
    return 1;
  } finally {
    await app?.close();
    await close();
  }
}

process.exitCode = await main();
