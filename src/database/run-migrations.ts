import type { DataSource, Migration } from 'typeorm';

/** Advisory-lock key that serialises migration runs of replicas starting together ("cronwarden"). */
export const MIGRATION_LOCK_KEY = 0x63726f6e;

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so several instances may
 * start at once: the first applies, the others wait and then find nothing left to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockHolder.release();
  }
}
