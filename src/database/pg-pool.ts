import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A client of the pool inside a transaction of {@link PgPool.transaction}, handed to repository
 * methods that use named prepared statements there. Features name it by this type, never by pg's.
 */
export type PgTransaction = pg.PoolClient;

/** How busy the pool is: open connections, idle ones, and queries waiting for one. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * The one access to TypeORM's underlying `pg` pool, for the hot paths that use named prepared
 * statements (claims, the job list, authentication) and for NOTIFY fan-out outside a transaction.
 * TypeORM keeps the pool in its driver's `master` field, which it does not type.
 */
@Injectable()
export class PgPool {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Names of the statements {@link prepared} has seen, by text. */
  private readonly names = new Map<string, string>();

  /** The pool; it exists from the data source's initialisation until it is destroyed. */
  get pool(): pg.Pool {
    const pool = this.current();
    if (!pool) throw new Error('The database pool is not open');
    return pool;
  }

  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<Row>>;
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>>;
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    textOrConfig: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    return typeof textOrConfig === 'string'
      ? this.pool.query<Row>(textOrConfig, values)
      : this.pool.query<Row>(textOrConfig);
  }

  /**
   * `sql` as a named prepared statement, its name derived from its text: each connection parses and
   * plans it once, then only binds and executes it (an unnamed statement is parsed, analysed and
   * planned on every call). For statements whose text comes in a few shapes, never with values in it.
   */
  prepared<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    return this.pool.query<Row>({ name: this.nameOf(sql), text: sql, values });
  }

  /** {@link prepared}, in the transaction of `manager` (a {@link Transactions.run} transaction): on its connection. */
  async preparedIn<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    manager: EntityManager,
    sql: string,
    values: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) throw new Error('preparedIn needs a transaction of Transactions.run');
    const client = (await runner.connect()) as pg.PoolClient;
    return client.query<Row>({ name: this.nameOf(sql), text: sql, values });
  }

  private nameOf(sql: string): string {
    let name = this.names.get(sql);
    if (name === undefined) {
      name = `cronwarden_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
      this.names.set(sql, name);
    }
    return name;
  }

  /** A client of its own, for a transaction across several statements (release it when done). */
  connect(): Promise<pg.PoolClient> {
    return this.pool.connect();
  }

  /** Zeros while the pool is not open (before start-up, after shutdown). */
  stats(): PoolStats {
    const pool = this.current();
    return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
  }

  /**
   * Runs `work` in one transaction on a client of its own (for named prepared statements across
   * several statements): committed when it resolves, rolled back when it throws, released either way.
   */
  async transaction<T>(work: (client: PgTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private current(): pg.Pool | undefined {
    return (this.dataSource.driver as unknown as { master?: pg.Pool }).master;
  }
}
