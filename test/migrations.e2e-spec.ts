import pino from 'pino';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations/index.js';
import { GrantJobDeleteToJobManager1796602973449 } from '../migrations/1796602973449-GrantJobDeleteToJobManager.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { runMigrationsLocked } from '../src/database/run-migrations.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const silent = pino({ level: 'silent' });

async function openDataSource(url: string, migrations = MIGRATIONS): Promise<DataSource> {
  return new DataSource({ ...dataSourceOptions({ url, poolSize: 2, logger: silent }), migrations }).initialize();
}

/** Each role's permissions, sorted, by role name. */
async function rolePermissions(ds: DataSource): Promise<Record<string, string[]>> {
  const rows = await ds.query<Array<{ name: string; permissions: string[] }>>(
    `SELECT r.name, coalesce(array_agg(rp.permission_name ORDER BY rp.permission_name)
              FILTER (WHERE rp.permission_name IS NOT NULL), '{}') AS permissions
       FROM roles r LEFT JOIN role_permissions rp ON rp.role_id = r.id GROUP BY r.name`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.permissions]));
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

  it('GrantJobDeleteToJobManager gives the seeded job_manager job_delete, leaves custom roles alone, and runs twice harmlessly', async () => {
    const grant = MIGRATIONS.findIndex((migration) => migration === GrantJobDeleteToJobManager1796602973449);
    expect(grant).toBeGreaterThan(0);
    const before = await openDataSource(db.url, MIGRATIONS.slice(0, grant));
    try {
      await runMigrationsLocked(before);
      expect((await rolePermissions(before)).job_manager).not.toContain('job_delete');
      // a custom role made by an admin before the upgrade, shaped like the old job_manager
      await before.query(
        `WITH role AS (INSERT INTO roles (name, description) VALUES ('my_manager', 'custom') RETURNING id)
         INSERT INTO role_permissions (role_id, permission_name)
         SELECT role.id, p FROM role, unnest(ARRAY['job_create', 'job_view', 'job_modify']) AS p`,
      );
    } finally {
      await before.destroy();
    }
    const beforeUpgrade = await rolePermissions(ds);

    await runMigrationsLocked(ds);
    const after = await rolePermissions(ds);
    expect(after.job_manager).toEqual([...beforeUpgrade.job_manager, 'job_delete'].sort());
    expect(after.my_manager).toEqual(['job_create', 'job_modify', 'job_view']);
    expect(after.viewer).toEqual(beforeUpgrade.viewer);
    expect(after.admin).toEqual(beforeUpgrade.admin);

    // idempotent: run again (e.g. a database where an admin had already granted it)
    const runner = ds.createQueryRunner();
    try {
      await new GrantJobDeleteToJobManager1796602973449().up(runner);
      expect(await rolePermissions(ds)).toEqual(after);
      await new GrantJobDeleteToJobManager1796602973449().down(runner);
      expect(await rolePermissions(ds)).toEqual(beforeUpgrade);
    } finally {
      await runner.release();
    }
  });
});
