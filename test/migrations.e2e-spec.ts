import pino from 'pino';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations/index.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { runMigrationsLocked } from '../src/database/run-migrations.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const silent = pino({ level: 'silent' });

async function openDataSource(url: string): Promise<DataSource> {
  return new DataSource(dataSourceOptions({ url, poolSize: 2, logger: silent })).initialize();
}

async function tableExists(ds: DataSource, table: string): Promise<boolean> {
  const rows: Array<{ present: boolean }> = await ds.query('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
  return rows[0].present;
}

async function appliedMigrations(ds: DataSource): Promise<string[]> {
  const rows = await ds.query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id');
  return rows.map((row) => row.name);
}

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeEach(async () => {
    db = await createTestDatabase({ empty: true });
    ds = await openDataSource(db.url);
  });
  afterEach(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('apply on an empty database, revert completely, and apply again', async () => {
    const all = MIGRATIONS.map((migration) => migration.name);

    await runMigrationsLocked(ds);
    expect(await appliedMigrations(ds)).toEqual(all);
    expect(await tableExists(ds, 'app_settings')).toBe(true);

    for (let i = 0; i < all.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await appliedMigrations(ds)).toEqual([]);
    expect(await tableExists(ds, 'app_settings')).toBe(false);

    await runMigrationsLocked(ds);
    expect(await appliedMigrations(ds)).toEqual(all);
    expect(await tableExists(ds, 'app_settings')).toBe(true);
  });

  it('leave nothing for migration:generate to do (entities and migrations agree)', async () => {
    await runMigrationsLocked(ds);
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('can be started by several instances at once: the advisory lock lets one apply them', async () => {
    const others = await Promise.all([openDataSource(db.url), openDataSource(db.url)]);
    try {
      const results = await Promise.all([ds, ...others].map((source) => runMigrationsLocked(source)));
      expect(results.map((applied) => applied.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
      expect(await appliedMigrations(ds)).toHaveLength(MIGRATIONS.length);
    } finally {
      await Promise.all(others.map((source) => source.destroy()));
    }
  });
});
