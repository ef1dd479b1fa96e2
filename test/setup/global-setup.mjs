// One real PostgreSQL for the whole e2e run (the same embedded server `npm start` uses), with a
// template database that has every migration applied; each test file clones it into a database of
// its own (test/support/test-database.ts). Jest loads global setup outside its module system, so
// this file is plain JavaScript over the built code: `npm test` builds first (the `pretest` script).
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../dist/src/database/data-source-options.js';
import { EmbeddedPostgres } from '../../dist/src/database/embedded-postgres.js';
import { runMigrationsLocked } from '../../dist/src/database/run-migrations.js';

/** Read by test/support/test-database.ts. */
export const ADMIN_URL_ENV = 'CRONWARDEN_TEST_ADMIN_URL';
export const TEMPLATE_DB_ENV = 'CRONWARDEN_TEST_TEMPLATE_DB';
const TEMPLATE_DB = 'cronwarden_template';

/** Durability off: the cluster is thrown away after the run. */
const TEST_SERVER_SETTINGS = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '400',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  // As root the server runs as `postgres`: EmbeddedPostgres hands it this folder (mode 0700).
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-test-'));
  const server = new EmbeddedPostgres({
    dataDir,
    port: await freePort(),
    database: TEMPLATE_DB,
    settings: TEST_SERVER_SETTINGS,
    logger: { info: () => undefined, warn: (message) => process.stderr.write(`${message}\n`) },
  });
  process.once('exit', () => server.stopNow());
  const templateUrl = await server.start();

  const dataSource = await new DataSource({
    ...dataSourceOptions({ url: templateUrl, poolSize: 2 }),
    logging: ['error'],
  }).initialize();
  await runMigrationsLocked(dataSource);
  await dataSource.destroy();

  const admin = new pg.Client({ connectionString: await server.adminUrl() });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`ALTER DATABASE ${TEMPLATE_DB} WITH IS_TEMPLATE true`);
  await admin.end();

  process.env[ADMIN_URL_ENV] = await server.adminUrl();
  process.env[TEMPLATE_DB_ENV] = TEMPLATE_DB;
  globalThis.__cronwardenTestPostgres = { server, dataDir };
}
