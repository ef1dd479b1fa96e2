import 'reflect-metadata';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { HttpException, type INestApplicationContext, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { AccessModule } from './access/access.module.js';
import type { AuthUser } from './access/auth-user.js';
import { ADMIN_ROLE } from './access/permissions.js';
import { AuditLogsModule } from './audit-logs/audit-logs.module.js';
import { AuthCoreModule } from './auth/auth-core.module.js';
import { LoginThrottleService } from './auth/login-throttle.service.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { DatabaseModule } from './database/database.module.js';
import { EmbeddedPostgresError } from './database/embedded-postgres.js';
import { openDatabase } from './database/open-database.js';
import { SettingsModule } from './settings/settings.module.js';
import { generatePassword, STARTUP_ACTOR } from './users/admin-bootstrap.service.js';
import { UsersModule } from './users/users.module.js';
import { UsersService } from './users/users.service.js';

const USAGE = `Cronwarden operator commands (work without the API; audited as cli:<os user>)

Usage: npm run cli -- <command> [arguments]

  create-user <username> [--role <name>]... [--email <address>] [--password-stdin]
      Creates a user (roles default to DEFAULT_ROLE). Prints a generated password unless
      --password-stdin reads one from standard input.
  reset-password <username> [--password-stdin]
      Sets a new password (generated and printed unless --password-stdin), revokes the user's
      tokens and clears their failed-login lock.
  grant-admin <username>      Adds the admin role.
  enable-user <username>      Re-enables a disabled user.
  disable-user <username>     Disables a user and revokes their tokens.
  list-users                  Lists users with their roles.

The database is DATABASE_URL, or the embedded PostgreSQL of DATA_DIR (joined if Cronwarden runs).`;

const COMMANDS = ['create-user', 'reset-password', 'grant-admin', 'enable-user', 'disable-user', 'list-users'];

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
      ],
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

async function run(app: INestApplicationContext, command: string, args: string[]): Promise<string> {
  const users = app.get(UsersService);
  const actor: AuthUser = { ...STARTUP_ACTOR, username: `cli:${userInfo().username}` };
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      role: { type: 'string', multiple: true },
      email: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
  });
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
      const roles = user.roles.map((role) => role.name).join(', ') || '(none)';
      return `Created user ${user.username} (roles: ${roles})${generated ? `\nPassword: ${password}` : ''}`;
    }
    case 'reset-password': {
      const user = await findUser();
      const { password, generated } = await passwordFrom(values['password-stdin']);
      await users.setPassword(actor, user, password, 'password');
      await app.get(LoginThrottleService).clear(user.username);
      return `New password set for ${user.username}; earlier tokens revoked${generated ? `\nPassword: ${password}` : ''}`;
    }
    case 'grant-admin': {
      const user = await findUser();
      const roles = [...new Set([...user.roles.map((role) => role.name), ADMIN_ROLE])];
      await users.setRoles(actor, user.id, roles);
      return `${user.username} now has the roles: ${roles.sort().join(', ')}`;
    }
    case 'enable-user':
    case 'disable-user': {
      const user = await findUser();
      await users.update(actor, user.id, { is_active: command === 'enable-user' });
      return `${user.username} is ${command === 'enable-user' ? 'enabled' : 'disabled'}`;
    }
    case 'list-users': {
      const { rows } = await users.list({}, 1000, 0);
      return rows
        .map(
          (user) =>
            `${user.username}\t${user.isActive ? 'active' : 'disabled'}\t${user.roles.map((r) => r.name).join(',')}`,
        )
        .join('\n');
    }
    default:
      throw new CliError(`Unknown command ${command}\n\n${USAGE}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof HttpException) {
    const response = error.getResponse() as { message?: string | string[] } | string;
    const message = typeof response === 'string' ? response : response.message;
    return Array.isArray(message) ? message.join('; ') : (message ?? error.message);
  }
  return (error as Error).message;
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 1;
  }
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`cronwarden: unknown command ${command}\n\n${USAGE}\n`);
    return 1;
  }
  let app: INestApplicationContext | undefined;
  let close = (): Promise<void> => Promise.resolve();
  try {
    const { config } = loadConfig({ env: process.env, cwd: process.cwd() });
    const log = (message: string): boolean => process.stderr.write(`${message}\n`);
    const database = await openDatabase(config, { info: log, warn: log });
    close = () => database.close();
    app = await NestFactory.createApplicationContext(CliModule.forRoot(config, database.url), { logger: ['error'] });
    process.stdout.write(`${await run(app, command, args)}\n`);
    return 0;
  } catch (error) {
    const known = error instanceof CliError || error instanceof HttpException || error instanceof ConfigError;
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
