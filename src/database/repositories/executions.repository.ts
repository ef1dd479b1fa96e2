import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import type { OwnerScope } from '../../access/owner-scope.js';
import { EXECUTION_STOPS_CHANNEL } from '../channels.js';
import { Execution, type ExecutionState } from '../entities/execution.entity.js';
import { PgPool } from '../pg-pool.js';
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

  /** The one owner condition of this table's reads. */
  private scoped(builder: SelectQueryBuilder<Execution>, scope: OwnerScope): SelectQueryBuilder<Execution> {
    return scope.kind === 'all'
      ? builder
      : builder.andWhere('execution.owner_id = :scopeOwner', { scopeOwner: scope.ownerId });
  }

  private withOwner(): SelectQueryBuilder<Execution> {
    return this.dataSource
      .getRepository(Execution)
      .createQueryBuilder('execution')
      .leftJoin('execution.owner', 'owner')
      .addSelect(['owner.id', 'owner.username']);
  }

  private inRange(scope: OwnerScope, builder: SelectQueryBuilder<Execution>, filters: ExecutionListFilters) {
    const scoped = this.scoped(builder, scope).andWhere('execution.scheduled_time BETWEEN :start AND :end', {
      start: filters.start,
      end: filters.end,
    });
    if (filters.jobId) scoped.andWhere('execution.job_id = :jobId', { jobId: filters.jobId });
    return scoped;
  }

  /** An execution within `scope` (with its owner's name); null when missing, out of scope or not an id. */
  async findById(scope: OwnerScope, id: string): Promise<Execution | null> {
    if (!isUuid(id)) return null;
    return this.scoped(this.withOwner().where('execution.id = :id', { id }), scope).getOne();
  }

  /** Newest first, within `scope`. */
  async listPage(
    scope: OwnerScope,
    filters: ExecutionListFilters,
    page: { limit: number; offset: number },
  ): Promise<{ rows: Execution[]; total: number }> {
    const builder = this.inRange(scope, this.withOwner(), filters);
    if (filters.state) builder.andWhere('execution.state = :state', { state: filters.state });
    const [rows, total] = await builder
      .orderBy('execution.scheduled_time', 'DESC')
      .addOrderBy('execution.id', 'DESC')
      .take(page.limit)
      .skip(page.offset)
      .getManyAndCount();
    return { rows, total };
  }

  /** How many executions within `scope` (range, job) are in each state present: one GROUP BY. */
  async countByState(
    scope: OwnerScope,
    filters: ExecutionListFilters,
  ): Promise<Array<{ state: ExecutionState; count: number }>> {
    const rows = await this.inRange(
      scope,
      this.dataSource.getRepository(Execution).createQueryBuilder('execution'),
      filters,
    )
      .select('execution.state', 'state')
      .addSelect('count(*)', 'count')
      .groupBy('execution.state')
      .getRawMany<{ state: ExecutionState; count: string }>();
    return rows.map((row) => ({ state: row.state, count: Number(row.count) }));
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
