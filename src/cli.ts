#!/usr/bin/env node
// The operator CLI: reads the arguments, opens the existing database, then loads the commands
// (src/cli-commands.ts, Nest and the app's modules) only when one is to run.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MIGRATIONS } from '../migrations/index.js';
import { CliError } from './cli-error.js';
import { shownUrl } from './cli-output.js';
import { COMMANDS, USAGE } from './cli-usage.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { EmbeddedPostgresError } from './database/embedded-postgres.js';
import { openDatabase, type OpenedDatabase } from './database/open-database.js';
import { readSchemaState } from './database/schema-state.js';

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
  let commands: typeof import('./cli-commands.js') | undefined;
  let close = (): Promise<void> => Promise.resolve();
  try {
    const config = configFor(values);
    const database = await openExistingDatabase(config);
    close = () => database.close();
    commands = await import('./cli-commands.js');
    const result = await commands.runCommand(config, database.url, command, positionals, values);
    process.stdout.write(`${values.json ? JSON.stringify(result.json, null, 2) : result.text}\n`);
    return 0;
  } catch (error) {
    const own = error instanceof CliError || error instanceof ConfigError || error instanceof EmbeddedPostgresError;
    const line = own ? error.message : commands?.describeKnown(error);
    process.stderr.write(`cronwarden: ${line ?? (error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    await close();
  }
}

process.exitCode = await main();
