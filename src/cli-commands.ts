// The operator CLI's commands in a Nest application context on the database src/cli.ts opened. Loaded
// by it only when a command is to run, so that --help, an unknown command and a database refused
// before any command (missing, empty, without the schema or behind it) answer without loading Nest.
import 'reflect-metadata';
import { userInfo } from 'node:os';
import { HttpException, type INestApplicationContext, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { AccessModule } from './access/access.module.js';
import type { AuthUser } from './access/auth-user.js';
import { ADMIN_ROLE } from './access/permissions.js';
import { AuditLogsModule } from './audit-logs/audit-logs.module.js';
import { AuthCoreModule } from './auth/auth-core.module.js';
import { CliError } from './cli-error.js';
import { formatTable } from './cli-output.js';
import { USAGE } from './cli-usage.js';
import { LoginThrottleService } from './auth/login-throttle.service.js';
import type { AppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { JobClassesModule } from './job-classes/job-classes.module.js';
import { JobTransferService } from './jobs/job-transfer.service.js';
import { JobWriter } from './jobs/job-writer.js';
import {
  formatNdschedulerImport,
  importFromNdscheduler,
  NdschedulerImportError,
} from './ndscheduler/ndscheduler-import.js';
import { DetachedSchedulerFacade } from './scheduler/detached-scheduler.js';
import { OwnerRights } from './scheduler/owner-rights.js';
import { SchedulerFacade } from './scheduler/scheduler.facade.js';
import { ScriptsModule } from './scripts/scripts.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { generatePassword, STARTUP_ACTOR } from './users/admin-bootstrap.service.js';
import { UsersModule } from './users/users.module.js';
import { UsersService } from './users/users.service.js';
import type { User } from './database/entities/user.entity.js';

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
      // JobTransferService, for import-ndscheduler: it writes and announces jobs; the servers fire them.
      providers: [
        JobTransferService,
        JobWriter,
        OwnerRights,
        { provide: SchedulerFacade, useClass: DetachedSchedulerFacade },
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

/** What a command prints: text for people, or with --json the value as JSON. */
export interface CommandResult {
  text: string;
  json: unknown;
}

export interface CommandOptions {
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
      const report = await importFromNdscheduler({ jobs: app.get(JobTransferService), users }, actor, {
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

/** Runs `command` in a Nest application context on the database at `databaseUrl`, closed again after. */
export async function runCommand(
  config: AppConfig,
  databaseUrl: string,
  command: string,
  positionals: string[],
  values: CommandOptions,
): Promise<CommandResult> {
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(CliModule.forRoot(config, databaseUrl), { logger: ['error'] });
    return await run(app, command, positionals, values);
  } finally {
    await app?.close();
  }
}

/** The one line for an error a command raises on purpose (a refused request, a bad import); else undefined. */
export function describeKnown(error: unknown): string | undefined {
  if (error instanceof HttpException) {
    const response = error.getResponse() as { message?: string | string[] } | string;
    const message = typeof response === 'string' ? response : response.message;
    return Array.isArray(message) ? message.join('; ') : (message ?? error.message);
  }
  if (error instanceof NdschedulerImportError) return error.message;
  return undefined;
}
