import pg from 'pg';

/** What a database holds of Cronwarden's schema, as a process that must not change it sees it. */
export type SchemaState =
  { kind: 'unreachable'; message: string } | { kind: 'no-schema' } | { kind: 'migrated'; applied: string[] };

/**
 * Reads, on a short-lived connection of its own (no pool, no TypeORM, nothing written), whether the
 * database at `url` can be reached, holds the `migrations` table, and which migrations it applied.
 * The operator CLI checks this before it opens the database, since it never migrates one.
 */
export async function readSchemaState(url: string): Promise<SchemaState> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    return { kind: 'unreachable', message: (error as Error).message };
  }
  try {
    const table = await client.query<{ present: boolean }>(
      `SELECT to_regclass('public.migrations') IS NOT NULL AS present`,
    );
    if (!table.rows[0].present) return { kind: 'no-schema' };
    const { rows } = await client.query<{ name: string }>('SELECT name FROM migrations');
    return { kind: 'migrated', applied: rows.map((row) => row.name) };
  } finally {
    await client.end().catch(() => undefined);
  }
}
