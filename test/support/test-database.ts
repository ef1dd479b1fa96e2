import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Set by test/setup/global-setup.mjs. */
const ADMIN_URL_ENV = 'CRONWARDEN_TEST_ADMIN_URL';
const TEMPLATE_DB_ENV = 'CRONWARDEN_TEST_TEMPLATE_DB';

function adminUrl(): string {
  const url = process.env[ADMIN_URL_ENV];
  if (!url) throw new Error(`${ADMIN_URL_ENV} is not set: e2e tests run through jest's e2e project (npm test)`);
  return url;
}

export function urlOfDatabase(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `sql` on the server's `postgres` database (CREATE/DROP/ALTER DATABASE and friends). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: adminUrl() });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file: a copy of the migrated template (`fromTemplate`), or an
 * empty one for tests of the migrations themselves.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `cw_test_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? 'template0' : process.env[TEMPLATE_DB_ENV];
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    name,
    url: urlOfDatabase(name),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
