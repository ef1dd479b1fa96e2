import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { OwnerScope } from '../../access/owner-scope.js';
import { EXECUTION_STOPS_CHANNEL } from '../channels.js';
import type { ExecutionState } from '../entities/execution.entity.js';
import { PgPool } from '../pg-pool.js';
import {
  ALL_EXECUTION_FIELDS,
  executionColumnsSql,
  type ExecutionRow,
  type ExecutionWithOwner,
  fullExecutionOfRow,
} from './execution.columns.js';
import { isUuid, ownerSql } from './owner-filter.js';

export interface ExecutionListFilters {
  start: Date;
  end: Date;
  jobId?: string;
  state?: ExecutionState;
}

/** How one execution ended, as the instance running it records it. */
export interface ExecutionFinish {
  id: string;
  state: ExecutionState;
  finishedAt: Date;
  result: string | null;
  description: string;
}

/** A running execution, as the dashboard lists it. */
export interface RunningExecution {
  id: string;
  jobId: string;
  jobName: string;
  scheduledTime: Date;
  startedTime: Date | null;
}

/** A failed or timed-out execution, as the dashboard lists it. */
export interface FailedExecution {
  id: string;
  jobId: string;
  jobName: string;
  state: ExecutionState;
  scheduledTime: Date;
  finishedTime: Date | null;
}

type OwnerRow = ExecutionRow & { owner_username: string | null };

/** Every execution column, alias `e` (computed once). */
const EXECUTION_COLUMNS_E = executionColumnsSql(ALL_EXECUTION_FIELDS, 'e');

const withOwner = (row: OwnerRow): ExecutionWithOwner =>
  Object.assign(fullExecutionOfRow(row), {
    owner: row.owner_id ? { id: row.owner_id, username: row.owner_username ?? '' } : null,
  });

/**
 * The WHERE of a list or count within `scope` (the one owner condition of this table's lists), its
 * values, and its shape (which conditions it has: part of a prepared statement's name).
 */
function conditionsOf(
  scope: OwnerScope,
  filters: ExecutionListFilters,
  withState: boolean,
): { where: string; values: unknown[]; shape: string } {
  const values: unknown[] = [];
  const conditions: string[] = [];
  let shape = '';
  const owner = ownerSql(scope, 'e', values);
  if (owner) {
    conditions.push(owner);
    shape += 'o';
  }
  values.push(filters.start, filters.end);
  conditions.push(`e.scheduled_time BETWEEN $${values.length - 1} AND $${values.length}`);
  if (filters.jobId) {
    values.push(filters.jobId);
    conditions.push(`e.job_id = $${values.length}`);
    shape += 'j';
  }
  if (withState && filters.state) {
    values.push(filters.state);
    conditions.push(`e.state = $${values.length}`);
    shape += 's';
  }
  return { where: conditions.join(' AND '), values, shape: shape || 'all' };
}

/**
 * The `executions` table outside the claims: lists and lookups by owner scope, stops, and the
 * finish of a run (only by the instance running it, only while `running`).
 */
@Injectable()
export class ExecutionsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
  ) {}

  /** An execution within `scope` (with its owner's name); null when missing, out of scope or not an id. */
  async findById(scope: OwnerScope, id: string): Promise<ExecutionWithOwner | null> {
    if (!isUuid(id)) return null;
    const values: unknown[] = [id];
    const owner = ownerSql(scope, 'e', values);
    const { rows } = await this.pool.query<OwnerRow>(
      `SELECT ${EXECUTION_COLUMNS_E}, u.username AS owner_username
         FROM executions e LEFT JOIN users u ON u.id = e.owner_id
        WHERE e.id = $1${owner ? ` AND ${owner}` : ''}`,
      values,
    );
    return rows.length > 0 ? withOwner(rows[0]) : null;
  }

  /**
   * Newest first, within `scope`: two named prepared statements per filter shape (the page, the
   * count), no entity hydration.
   */
  async listPage(
    scope: OwnerScope,
    filters: ExecutionListFilters,
    page: { limit: number; offset: number },
  ): Promise<{ rows: ExecutionWithOwner[]; total: number }> {
    const { where, values, shape } = conditionsOf(scope, filters, true);
    const [list, count] = await Promise.all([
      this.pool.query<OwnerRow>({
        name: `cronwarden_list_executions_${shape}`,
        text: `SELECT ${EXECUTION_COLUMNS_E}, u.username AS owner_username
                 FROM executions e LEFT JOIN users u ON u.id = e.owner_id
                WHERE ${where}
                ORDER BY e.scheduled_time DESC, e.id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        values: [...values, page.limit, page.offset],
      }),
      this.pool.query<{ total: string }>({
        name: `cronwarden_count_executions_${shape}`,
        text: `SELECT count(*) AS total FROM executions e WHERE ${where}`,
        values,
      }),
    ]);
    return { rows: list.rows.map(withOwner), total: Number(count.rows[0].total) };
  }

  /** How many executions within `scope` (range, job) are in each state present: one GROUP BY. */
  async countByState(
    scope: OwnerScope,
    filters: ExecutionListFilters,
  ): Promise<Array<{ state: ExecutionState; count: number }>> {
    const { where, values } = conditionsOf(scope, filters, false);
    const { rows } = await this.pool.query<{ state: ExecutionState; count: string }>(
      `SELECT e.state, count(*) AS count FROM executions e WHERE ${where} GROUP BY e.state`,
      values,
    );
    return rows.map((row) => ({ state: row.state, count: Number(row.count) }));
  }

  /** Executions of any owner by id, with their owners' names (the event stream checks who may see each). */
  async findByIdsAcrossOwners(ids: readonly string[]): Promise<ExecutionWithOwner[]> {
    const { rows } = await this.pool.query<OwnerRow>(
      `SELECT ${EXECUTION_COLUMNS_E}, u.username AS owner_username
         FROM executions e LEFT JOIN users u ON u.id = e.owner_id
        WHERE e.id = ANY($1::uuid[])`,
      [[...new Set(ids.filter(isUuid))]],
    );
    return rows.map(withOwner);
  }

  /**
   * Marks a running execution `stopped` (it runs on another instance, which will not overwrite it) and
   * tells every instance in the same statement (NOTIFY on commit), so the one running it kills the work.
   */
  async stopRunningElsewhere(id: string): Promise<void> {
    await this.dataSource.query(
      `WITH stopped AS (
         UPDATE executions SET state = 'stopped', finished_time = now(), updated_time = now(),
                description = 'Stopped on request (it was running on another instance)'
          WHERE id = $1 AND state = 'running'
         RETURNING id, instance_id)
       SELECT pg_notify($2, json_build_object('execution', id, 'instance', instance_id)::text) FROM stopped`,
      [id, EXECUTION_STOPS_CHANNEL],
    );
  }

  /** Of `ids`, those no longer `running` in the table (stopped elsewhere, recovered), whoever owns them. */
  async notRunningAcrossOwners(ids: string[]): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM executions WHERE id = ANY($1) AND state <> 'running'`,
      [ids],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Marks `failed` every `running` execution, whoever owns it, whose instance (other than
   * `currentInstanceId`) is stopped or has not beaten for `staleSeconds`, saying it was interrupted.
   * Only rows still `running` change, so a late finish by the lost instance cannot overwrite them.
   * Answers how many changed.
   */
  async failInterruptedAcrossOwners(currentInstanceId: string, staleSeconds: number): Promise<number> {
    // TypeORM answers an UPDATE with [rows, affected]: take the affected count.
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `WITH dead AS (
         SELECT id, hostname, pid, heartbeat_time FROM instances
          WHERE id <> $1 AND (stopped_time IS NOT NULL OR heartbeat_time < now() - make_interval(secs => $2))
       )
       UPDATE executions e
          SET state = 'failed', finished_time = now(), updated_time = now(),
              description = 'interrupted: its instance ' || coalesce(d.hostname || ' pid ' || d.pid, e.instance_id, 'unknown')
                            || ' stopped without finishing it (last heartbeat '
                            || coalesce(to_char(d.heartbeat_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'unknown')
                            || '); not re-run automatically'
         FROM (SELECT e2.id AS execution_id, d.* FROM executions e2
                 LEFT JOIN instances i ON i.id = e2.instance_id
                 LEFT JOIN dead d ON d.id = e2.instance_id
                WHERE e2.state = 'running' AND e2.instance_id IS DISTINCT FROM $1
                  AND (i.id IS NULL OR d.id IS NOT NULL)) AS d
        WHERE e.id = d.execution_id AND e.state = 'running'`,
      [currentInstanceId, staleSeconds],
    );
    return affected;
  }

  /**
   * Writes finishes, many per statement; only rows `instanceId` still runs (a stop from elsewhere
   * wins). What the claim wrote in `description` is kept, the finish's own description appended.
   */
  async finishIfOwned(finishes: ExecutionFinish[], instanceId: string): Promise<void> {
    await this.pool.query({
      name: 'cronwarden_finish_executions',
      text: `UPDATE executions e
                SET state = u.state, finished_time = u.finished_time, result = u.result,
                    description = CASE WHEN u.description = '' THEN e.description
                                       WHEN e.description = '' THEN u.description
                                       ELSE e.description || '; ' || u.description END,
                    updated_time = now()
               FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])
                    AS u(id, state, finished_time, result, description)
              WHERE e.id = u.id AND e.instance_id = $6 AND e.state = 'running'`,
      values: [
        finishes.map((finish) => finish.id),
        finishes.map((finish) => finish.state),
        finishes.map((finish) => finish.finishedAt),
        finishes.map((finish) => finish.result),
        finishes.map((finish) => finish.description),
        instanceId,
      ],
    });
  }

  /** Gives every execution of `fromOwnerId` to `toOwnerId` (their jobs moved with a deleted user), across owners. */
  async reassignAcrossOwners(fromOwnerId: string, toOwnerId: string, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE executions SET owner_id = $2 WHERE owner_id = $1', [fromOwnerId, toOwnerId]);
  }

  /**
   * Deletes up to `limit` executions of any owner scheduled more than `days` days ago, never a
   * `running` one (retention); answers how many it deleted.
   */
  async deleteOlderThanAcrossOwners(days: number, limit: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, affected]: take the affected count.
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM executions WHERE id IN (
         SELECT id FROM executions
          WHERE scheduled_time < now() - make_interval(days => $1) AND state <> 'running' LIMIT $2)`,
      [days, limit],
    );
    return affected;
  }

  /** How many executions within `scope` scheduled since `since` are in each state present (the dashboard's runs today). */
  async countByStateSince(scope: OwnerScope, since: Date): Promise<Array<{ state: ExecutionState; count: number }>> {
    const values: unknown[] = [since];
    const owner = ownerSql(scope, 'e', values);
    const rows: Array<{ state: ExecutionState; count: string }> = await this.dataSource.query(
      `SELECT e.state, count(*) AS count FROM executions e
        WHERE e.scheduled_time >= $1 ${owner ? `AND ${owner}` : ''}
        GROUP BY e.state`,
      values,
    );
    return rows.map((row) => ({ state: row.state, count: Number(row.count) }));
  }

  /** The first `limit` running executions within `scope`, longest running first, and how many run. */
  async listRunning(scope: OwnerScope, limit: number): Promise<{ rows: RunningExecution[]; total: number }> {
    const values: unknown[] = [];
    const owner = ownerSql(scope, 'e', values);
    values.push(limit);
    const rows: Array<{
      id: string;
      job_id: string;
      job_name: string;
      scheduled_time: Date;
      started_time: Date | null;
      total: string;
    }> = await this.dataSource.query(
      `SELECT e.id, e.job_id, e.job_name, e.scheduled_time, e.started_time, count(*) OVER () AS total
         FROM executions e WHERE e.state = 'running' ${owner ? `AND ${owner}` : ''}
        ORDER BY e.started_time ASC NULLS LAST, e.id LIMIT $${values.length}`,
      values,
    );
    return {
      rows: rows.map((row) => ({
        id: row.id,
        jobId: row.job_id,
        jobName: row.job_name,
        scheduledTime: row.scheduled_time,
        startedTime: row.started_time,
      })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }

  /** The newest `limit` executions within `scope` scheduled since `since` that failed or timed out, and how many. */
  async listFailedSince(
    scope: OwnerScope,
    since: Date,
    limit: number,
  ): Promise<{ rows: FailedExecution[]; total: number }> {
    const values: unknown[] = [since];
    const owner = ownerSql(scope, 'e', values);
    values.push(limit);
    const rows: Array<{
      id: string;
      job_id: string;
      job_name: string;
      state: ExecutionState;
      scheduled_time: Date;
      finished_time: Date | null;
      total: string;
    }> = await this.dataSource.query(
      `SELECT e.id, e.job_id, e.job_name, e.state, e.scheduled_time, e.finished_time, count(*) OVER () AS total
         FROM executions e
        WHERE e.scheduled_time >= $1 AND e.state IN ('failed', 'timeout') ${owner ? `AND ${owner}` : ''}
        ORDER BY e.scheduled_time DESC, e.id DESC LIMIT $${values.length}`,
      values,
    );
    return {
      rows: rows.map((row) => ({
        id: row.id,
        jobId: row.job_id,
        jobName: row.job_name,
        state: row.state,
        scheduledTime: row.scheduled_time,
        finishedTime: row.finished_time,
      })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }
}
