import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { OwnerScope } from '../../access/owner-scope.js';
import { ownerCondition } from '../../access/owner-scope.js';
import type { ExecutionState } from '../entities/execution.entity.js';
import { Job } from '../entities/job.entity.js';
import { PgPool } from '../pg-pool.js';
import {
  ALL_JOB_FIELDS,
  JOB_COLUMNS,
  fullJobOfRow,
  jobColumnsSql,
  type JobField,
  jobOfRow,
  type JobRecord,
  type JobRow,
  SCHEDULABLE_FIELDS,
  type SchedulableField,
} from './job.columns.js';
import { isUuid, ownerSql } from './owner-filter.js';

/** A job with its owner's name, as every API answer shows it. */
export type JobWithOwner = JobRecord & { owner: { id: string; username: string } };

/** A job as the scheduler registers it. */
export type SchedulableJobRecord = Pick<JobRecord, SchedulableField>;

export type JobSortKey = 'name' | 'job_class_string' | 'next_run_time' | 'owner' | 'created_time';

export interface JobListFilters {
  /** Narrows a scope of all owners to one owner; ignored for an owner's scope (it cannot widen it). */
  ownerId?: string;
  q?: string;
  paused?: boolean;
}

export interface JobListPage {
  sort: JobSortKey | `-${JobSortKey}`;
  limit: number;
  offset: number;
}

export interface JobListItem {
  job: JobWithOwner;
  lastExecution: { id: string; state: ExecutionState; scheduledTime: Date } | null;
}

/** A job whose latest finished run failed or timed out, with that run. */
export interface FailingJob {
  id: string;
  name: string;
  lastExecution: { id: string; state: ExecutionState; scheduledTime: Date };
}

type ListRow = JobRow & {
  owner_username: string;
  last_execution_id: string | null;
  last_execution_state: ExecutionState | null;
  last_execution_scheduled_time: Date | null;
};

const SORT_COLUMNS: Record<JobSortKey, string> = {
  name: 'j.name',
  job_class_string: 'j.job_class_string',
  next_run_time: 'j.next_run_time',
  owner: 'u.username',
  created_time: 'j.created_time',
};

/** The ORDER BY of a job list: the column, then job_id in the same direction (stable pages). */
function orderByOf(sort: JobListPage['sort']): string {
  const descending = sort.startsWith('-');
  const direction = descending ? 'DESC' : 'ASC';
  const key = (descending ? sort.slice(1) : sort) as JobSortKey;
  const nulls = key === 'next_run_time' ? ' NULLS LAST' : '';
  return `${SORT_COLUMNS[key]} ${direction}${nulls}, j.id ${direction}`;
}

/** Every job column, alias `j` (computed once). */
const JOB_COLUMNS_J = jobColumnsSql(ALL_JOB_FIELDS, 'j');

const likePattern = (q: string): string => `%${q.replace(/[\\%_]/g, '\\$&')}%`;

const withOwner = (row: JobRow & { owner_username: string }): JobWithOwner =>
  Object.assign(fullJobOfRow(row), { owner: { id: row.owner_id, username: row.owner_username } });

/** A column's value as a query parameter (jsonb as JSON text: pg would send an array as a PostgreSQL array). */
const parameterOf = (field: JobField, value: unknown): unknown => (field === 'pubArgs' ? JSON.stringify(value) : value);

/**
 * The `jobs` table: the only code that reads or writes it (besides the claims in the scheduler's
 * statements). Every lookup and list of a caller's jobs takes an {@link OwnerScope}; methods that act
 * across owners say so in their name. Writes take the caller's transaction.
 */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
  ) {}

  /** A job within `scope`, with its owner's name; null when missing, out of scope or not an id. */
  async findById(scope: OwnerScope, id: string, manager?: EntityManager): Promise<JobWithOwner | null> {
    if (!isUuid(id)) return null;
    const values: unknown[] = [id];
    const owner = ownerSql(scope, 'j', values);
    const rows = await this.run<JobRow & { owner_username: string }>(
      manager,
      `SELECT ${JOB_COLUMNS_J}, u.username AS owner_username
         FROM jobs j JOIN users u ON u.id = j.owner_id
        WHERE j.id = $1${owner ? ` AND ${owner}` : ''}`,
      values,
    );
    return rows.length > 0 ? withOwner(rows[0]) : null;
  }

  /** Jobs within `scope` by id, with their owners' names (in no particular order). */
  async findByIds(scope: OwnerScope, ids: string[]): Promise<JobWithOwner[]> {
    const values: unknown[] = [ids.filter(isUuid)];
    const owner = ownerSql(scope, 'j', values);
    const rows = await this.run<JobRow & { owner_username: string }>(
      undefined,
      `SELECT ${JOB_COLUMNS_J}, u.username AS owner_username
         FROM jobs j JOIN users u ON u.id = j.owner_id
        WHERE j.id = ANY($1::uuid[])${owner ? ` AND ${owner}` : ''}`,
      values,
    );
    return rows.map(withOwner);
  }

  /**
   * One page of jobs within `scope`, each with its latest execution, and the total: two named
   * prepared statements per filter shape and order (the page, read in index order for the default
   * order; the count), no entity hydration — this is the hottest read. The latest execution is one
   * index probe per row of the page (LATERAL over UQ_executions_job_scheduled), never a query per job.
   */
  async listPage(
    scope: OwnerScope,
    filters: JobListFilters,
    page: JobListPage,
  ): Promise<{ items: JobListItem[]; total: number }> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const shape: string[] = [];
    const owner = ownerSql(scope, 'j', values, filters.ownerId);
    if (owner) {
      conditions.push(owner);
      shape.push('o');
    }
    if (filters.q) {
      values.push(likePattern(filters.q));
      conditions.push(`j.name ILIKE $${values.length}`);
      shape.push('q');
    }
    if (filters.paused !== undefined) {
      values.push(filters.paused);
      conditions.push(`j.paused = $${values.length}`);
      shape.push('p');
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const [rows, count] = await Promise.all([
      this.pool.query<ListRow>({
        name: `cronwarden_list_jobs_${shape.join('') || 'all'}_${page.sort.replace('-', 'desc_')}`,
        text: `SELECT ${JOB_COLUMNS_J}, u.username AS owner_username,
                      le.id AS last_execution_id, le.state AS last_execution_state,
                      le.scheduled_time AS last_execution_scheduled_time
                 FROM jobs j JOIN users u ON u.id = j.owner_id
                 LEFT JOIN LATERAL (
                   -- (job_id, scheduled_time) is unique: one backward index probe, no tie to break.
                   SELECT e.id, e.state, e.scheduled_time FROM executions e
                    WHERE e.job_id = j.id ORDER BY e.scheduled_time DESC LIMIT 1
                 ) le ON true
                 ${where}
                ORDER BY ${orderByOf(page.sort)} LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        values: [...values, page.limit, page.offset],
      }),
      this.pool.query<{ total: string }>({
        name: `cronwarden_count_jobs_${shape.join('') || 'all'}`,
        text: `SELECT count(*) AS total FROM jobs j ${where}`,
        values,
      }),
    ]);
    return {
      items: rows.rows.map((row) => ({
        job: withOwner(row),
        lastExecution:
          row.last_execution_id && row.last_execution_state && row.last_execution_scheduled_time
            ? {
                id: row.last_execution_id,
                state: row.last_execution_state,
                scheduledTime: row.last_execution_scheduled_time,
              }
            : null,
      })),
      total: Number(count.rows[0].total),
    };
  }

  /** Every job within `scope` matching `filters`, by name (what an export holds). */
  async listByName(scope: OwnerScope, filters: JobListFilters): Promise<JobWithOwner[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const owner = ownerSql(scope, 'j', values, filters.ownerId);
    if (owner) conditions.push(owner);
    if (filters.q) {
      values.push(likePattern(filters.q));
      conditions.push(`j.name ILIKE $${values.length}`);
    }
    if (filters.paused !== undefined) {
      values.push(filters.paused);
      conditions.push(`j.paused = $${values.length}`);
    }
    const rows = await this.run<JobRow & { owner_username: string }>(
      undefined,
      `SELECT ${JOB_COLUMNS_J}, u.username AS owner_username
         FROM jobs j JOIN users u ON u.id = j.owner_id
        ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY j.name ASC, j.id ASC`,
      values,
    );
    return rows.map(withOwner);
  }

  /** The jobs within `scope` named one of `names`, oldest first (an import matches jobs by name). */
  async findByNames(scope: OwnerScope, names: string[], manager?: EntityManager): Promise<Job[]> {
    return (manager ?? this.dataSource.manager).find(Job, {
      where: { ...ownerCondition(scope), name: In(names) },
      order: { createdTime: 'ASC' },
    });
  }

  /** The owners of the jobs within `scope`, with how many each owns, by name. */
  async countByOwner(scope: OwnerScope): Promise<Array<{ id: string; username: string; jobs: number }>> {
    const values: unknown[] = [];
    const owner = ownerSql(scope, 'j', values);
    const rows = await this.run<{ id: string; username: string; jobs: string }>(
      undefined,
      `SELECT u.id, u.username, count(*) AS jobs
         FROM jobs j JOIN users u ON u.id = j.owner_id
        ${owner ? `WHERE ${owner}` : ''}
        GROUP BY u.id, u.username ORDER BY u.username, u.id`,
      values,
    );
    return rows.map((row) => ({ id: row.id, username: row.username, jobs: Number(row.jobs) }));
  }

  /**
   * How many jobs the owner of `scope` has, holding a transaction-long lock per owner so that
   * concurrent creations for the same owner are counted one after the other.
   */
  async lockAndCountOwned(scope: OwnerScope & { kind: 'owner' }, manager: EntityManager): Promise<number> {
    const { ownerId } = ownerCondition(scope) as { ownerId: string };
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`jobs-of:${ownerId}`]);
    return manager.count(Job, { where: { ownerId } });
  }

  /** Inserts a new job; the record comes back with its id and timestamps. */
  async insert(values: Omit<JobRecord, 'id' | 'createdTime' | 'updatedTime'>, manager: EntityManager): Promise<Job> {
    return manager.save(manager.create(Job, values));
  }

  /** Writes `patch` to job `id` (only those columns, and updated_time); its new updated_time, or null if gone. */
  async update(
    id: string,
    patch: Partial<Omit<JobRecord, 'id' | 'createdTime' | 'updatedTime'>>,
    manager: EntityManager,
  ): Promise<Date | null> {
    const fields = Object.keys(patch) as JobField[];
    const values: unknown[] = [id];
    const sets = fields.map((field) => {
      values.push(parameterOf(field, patch[field as keyof typeof patch]));
      return `${JOB_COLUMNS[field]} = $${values.length}`;
    });
    const rows: Array<{ updated_time: Date }> = await manager.query(
      `UPDATE jobs SET ${[...sets, 'updated_time = CURRENT_TIMESTAMP'].join(', ')} WHERE id = $1 RETURNING updated_time`,
      values,
    );
    return rows[0]?.updated_time ?? null;
  }

  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.delete(Job, { id });
  }

  /** A job's suspended_reason as it is now (after a review of its owner's rights). */
  async suspendedReasonOf(id: string, manager: EntityManager): Promise<string | null> {
    const rows: Array<{ suspended_reason: string | null }> = await manager.query(
      'SELECT suspended_reason FROM jobs WHERE id = $1',
      [id],
    );
    return rows[0]?.suspended_reason ?? null;
  }

  /** One job as the scheduler registers it, whoever owns it (job sync hears of changes to any job). */
  async findSchedulableAcrossOwners(id: string): Promise<SchedulableJobRecord | null> {
    const rows = await this.run<JobRow<SchedulableField>>(
      undefined,
      `SELECT ${jobColumnsSql(SCHEDULABLE_FIELDS)} FROM jobs WHERE id = $1`,
      [id],
    );
    return rows.length > 0 ? jobOfRow(rows[0], SCHEDULABLE_FIELDS) : null;
  }

  /** A page of every owner's active jobs after `afterId` in id order (registration at start). */
  async listActiveAcrossOwners(afterId: string, limit: number): Promise<SchedulableJobRecord[]> {
    const rows = await this.run<JobRow<SchedulableField>>(
      undefined,
      `SELECT ${jobColumnsSql(SCHEDULABLE_FIELDS)} FROM jobs WHERE NOT paused AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((row) => jobOfRow(row, SCHEDULABLE_FIELDS));
  }

  /** Id and last change of every owner's active jobs (the reconcile compares them with the timers). */
  async listActiveVersionsAcrossOwners(): Promise<Array<{ id: string; updatedTime: Date }>> {
    const rows = await this.run<{ id: string; updated_time: Date }>(
      undefined,
      'SELECT id, updated_time FROM jobs WHERE NOT paused',
      [],
    );
    return rows.map((row) => ({ id: row.id, updatedTime: row.updated_time }));
  }

  /**
   * The ScriptJobs (pub_args[0]) within `scope` that use each of these scripts, by name: one
   * statement for a whole page of scripts.
   */
  async listScriptJobsUsing(
    scope: OwnerScope,
    scriptIds: string[],
  ): Promise<Array<{ scriptId: string; jobId: string; name: string }>> {
    const values: unknown[] = [scriptIds];
    const owner = ownerSql(scope, 'j', values);
    const rows = await this.run<{ script_id: string; job_id: string; name: string }>(
      undefined,
      `SELECT j.pub_args->>0 AS script_id, j.id AS job_id, j.name FROM jobs j
        WHERE j.job_class_string = 'ScriptJob' AND j.pub_args->>0 = ANY($1::text[])
          ${owner ? `AND ${owner}` : ''}
        ORDER BY j.name, j.id`,
      values,
    );
    return rows.map((row) => ({ scriptId: row.script_id, jobId: row.job_id, name: row.name }));
  }

  /** Up to `limit` ScriptJobs of any owner that use a script (a script in use cannot be deleted). */
  async findScriptJobsUsingAcrossOwners(scriptId: string, limit: number): Promise<Array<{ id: string; name: string }>> {
    return this.run<{ id: string; name: string }>(
      undefined,
      `SELECT id, name FROM jobs WHERE job_class_string = 'ScriptJob' AND pub_args->>0 = $1 LIMIT $2`,
      [scriptId, limit],
    );
  }

  private run<Row>(manager: EntityManager | undefined, sql: string, values: unknown[]): Promise<Row[]> {
    return (manager ?? this.dataSource.manager).query<Row[]>(sql, values);
  }

  /** How many jobs there are within `scope` (a user's, before their deletion). */
  async countOwned(scope: OwnerScope, manager?: EntityManager): Promise<number> {
    return (manager ?? this.dataSource.manager).count(Job, { where: ownerCondition(scope) });
  }

  /** Gives every job of `fromOwnerId` to `toOwnerId` (a user deleted with reassign_to), across owners. */
  async reassignAcrossOwners(fromOwnerId: string, toOwnerId: string, manager: EntityManager): Promise<void> {
    await manager.update(Job, { ownerId: fromOwnerId }, { ownerId: toOwnerId });
  }

  /** How many jobs are within `scope`, and how many of them are paused. */
  async countWithPaused(scope: OwnerScope): Promise<{ total: number; paused: number }> {
    const values: unknown[] = [];
    const owner = ownerSql(scope, 'j', values);
    const rows = await this.run<{ total: string; paused: string }>(
      undefined,
      `SELECT count(*) AS total, count(*) FILTER (WHERE j.paused) AS paused
         FROM jobs j WHERE TRUE ${owner ? `AND ${owner}` : ''}`,
      values,
    );
    return { total: Number(rows[0].total), paused: Number(rows[0].paused) };
  }

  /**
   * The first `limit` jobs within `scope` that will fire by `until` (neither paused nor suspended), the
   * soonest first, and how many there are. A fire due a moment ago and not yet claimed still counts:
   * there is no lower bound but the job being due at all.
   */
  async listDueBy(
    scope: OwnerScope,
    until: Date,
    limit: number,
  ): Promise<{ rows: Array<{ id: string; name: string; nextRunTime: Date }>; total: number }> {
    const values: unknown[] = [until];
    const owner = ownerSql(scope, 'j', values);
    values.push(limit);
    const rows = await this.run<{ id: string; name: string; next_run_time: Date; total: string }>(
      undefined,
      `SELECT j.id, j.name, j.next_run_time, count(*) OVER () AS total
         FROM jobs j
        WHERE j.next_run_time <= $1 AND NOT j.paused AND j.suspended_reason IS NULL ${owner ? `AND ${owner}` : ''}
        ORDER BY j.next_run_time, j.id LIMIT $${values.length}`,
      values,
    );
    return {
      rows: rows.map((row) => ({ id: row.id, name: row.name, nextRunTime: row.next_run_time })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }

  /**
   * The jobs within `scope` whose latest finished run (succeeded, failed, timeout, stopped) failed or
   * timed out, with that run, the most recent first: the first `limit`, and how many there are. The
   * latest run is one index probe per job (LATERAL over UQ_executions_job_scheduled).
   */
  async listFailing(scope: OwnerScope, limit: number): Promise<{ rows: FailingJob[]; total: number }> {
    const values: unknown[] = [];
    const owner = ownerSql(scope, 'j', values);
    values.push(limit);
    const rows = await this.run<{
      id: string;
      name: string;
      execution_id: string;
      state: ExecutionState;
      scheduled_time: Date;
      total: string;
    }>(
      undefined,
      `SELECT j.id, j.name, last.id AS execution_id, last.state, last.scheduled_time, count(*) OVER () AS total
         FROM jobs j
        CROSS JOIN LATERAL (
          SELECT x.id, x.state, x.scheduled_time FROM executions x
           WHERE x.job_id = j.id AND x.state IN ('succeeded', 'failed', 'timeout', 'stopped')
           ORDER BY x.scheduled_time DESC, x.id DESC LIMIT 1) last
        WHERE last.state IN ('failed', 'timeout') ${owner ? `AND ${owner}` : ''}
        ORDER BY last.scheduled_time DESC, j.id LIMIT $${values.length}`,
      values,
    );
    return {
      rows: rows.map((row) => ({
        id: row.id,
        name: row.name,
        lastExecution: { id: row.execution_id, state: row.state, scheduledTime: row.scheduled_time },
      })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }
}
