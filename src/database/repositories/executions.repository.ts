import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { OwnerScope } from '../../access/owner-scope.js';
import { EXECUTION_STOPS_CHANNEL } from '../channels.js';
import {
  ALL_EXECUTION_FIELDS,
  executionColumnsSql,
  type ExecutionRow,
  type ExecutionWithOwner,
  fullExecutionOfRow,
} from './execution.columns.js';
import type { ExecutionState } from '../entities/execution.entity.js';
import { PgPool, type PgTransaction } from '../pg-pool.js';
import { type ClaimedExecution, type ClaimedRow, type ClaimingInstance, toClaimed } from './claimed-execution.js';
import { isoTextSql, jsonObjectSql } from './json-text.sql.js';
import { isUuid, ownerSql } from './owner-filter.js';
import { pageVersionCte, type VersionedPage } from './page-version.sql.js';
import { refusalSql, type RightsRequirements } from './owner-rights.sql.js';
import { RETRY_SKIPPED_DELETED, RETRY_SKIPPED_PAUSED, retriesOfSql } from './retries.sql.js';

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

/** A retry written by a finish: a pending row, due at `scheduledTime`. */
export interface PendingRetry {
  id: string;
  scheduledTime: Date;
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

/** An execution list item's JSON: `toExecutionResponse` of the row `e` with owner `u`. */
const EXECUTION_ITEM_JSON = jsonObjectSql([
  ['execution_id', 'e.id'],
  [
    'job',
    jsonObjectSql([
      ['job_id', 'e.job_id'],
      ['name', 'e.job_name'],
      ['job_class_string', 'e.job_class_string'],
    ]),
  ],
  ['state', 'e.state'],
  ['trigger', 'e.trigger'],
  ['scheduled_time', isoTextSql('e.scheduled_time')],
  ['started_time', isoTextSql('e.started_time')],
  ['finished_time', isoTextSql('e.finished_time')],
  ['updated_time', isoTextSql('e.updated_time')],
  ['hostname', 'e.hostname'],
  ['pid', 'e.pid'],
  ['description', 'e.description'],
  ['result', 'e.result'],
  [
    'owner',
    `CASE WHEN e.owner_id IS NULL THEN NULL ELSE ${jsonObjectSql([
      ['id', 'e.owner_id'],
      ['username', `coalesce(u.username, '')`],
    ])} END`,
  ],
  ['attempt', 'e.attempt'],
  ['retry_of', 'e.retry_of'],
]);

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

/** What a run now decided: the execution it started, or the verdict against it with the figures it stands on. */
/** Who asked for a run now, as its audit entry names them. */
export interface RunNowActor {
  user: string;
  userId: string | null;
}

export type RunNowDecision =
  | { verdict: 'started'; execution: ClaimedExecution }
  | {
      verdict: 'refused' | 'max_instances' | 'max_running_per_user';
      refusal: string | null;
      running: number;
      ownerRunning: number;
      maxInstances: number;
    };

interface RunNowRow {
  verdict: 'refused' | 'max_instances' | 'max_running_per_user' | 'started';
  refusal: string | null;
  running: number;
  owner_running: number;
  max_instances: number;
  job_id: string;
  owner_id: string | null;
  name: string;
  job_class_string: string;
  pub_args: unknown[];
  timeout_seconds: number;
  /** The execution's, when started. */
  id: string | null;
  scheduled_time: Date | null;
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
   * Newest first, within `scope`, as the JSON text of the items of `GET /executions` joined by commas
   * (`toExecutionResponse`, byte for byte, written by PostgreSQL: {@link EXECUTION_ITEM_JSON}), the total
   * and the page's version ({@link pageVersionCte}); when the version is `known`, the page is not
   * written (`items` is null). One named prepared statement per filter shape, no row objects.
   */
  async listPageJson(
    scope: OwnerScope,
    filters: ExecutionListFilters,
    page: { limit: number; offset: number },
    known: string | null = null,
  ): Promise<VersionedPage<string>> {
    const { where, values, shape } = conditionsOf(scope, filters, true);
    const window = `ORDER BY e.scheduled_time DESC, e.id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`;
    const { rows } = await this.pool.query<{ version: string; total: string; items: string | null }>({
      name: `cronwarden_list_executions_json_${shape}`,
      // One text of the whole page (items joined by commas), so Node receives one string rather than a
      // string and a row object per item: in a 1 MiB young generation those were most of its GC. The
      // version and the page are read by one statement, so from one snapshot.
      text: `${pageVersionCte(
        `SELECT count(*) AS total FROM executions e WHERE ${where}`,
        `SELECT concat_ws('.', e.id, e.xmin, u.xmin) AS tag
           FROM executions e LEFT JOIN users u ON u.id = e.owner_id WHERE ${where} ${window}`,
      )}
             SELECT v.version, v.total, c.items FROM v LEFT JOIN LATERAL (
               SELECT string_agg(p.item, ',' ORDER BY p.sort_time DESC, p.sort_id DESC) AS items
                 FROM (SELECT ${EXECUTION_ITEM_JSON}::text AS item, e.scheduled_time AS sort_time, e.id AS sort_id
                         FROM executions e LEFT JOIN users u ON u.id = e.owner_id
                        WHERE ${where} AND v.version IS DISTINCT FROM $${values.length + 3} ${window}) p
             ) c ON true`,
      values: [...values, page.limit, page.offset, known],
    });
    const { version, total, items } = rows[0];
    return { version, total: Number(total), items: version === known ? null : (items ?? '') };
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

  /**
   * A jittered fire's real start: the claim wrote the claim time into started_time, the run begins
   * after its jitter. Only a row this instance still runs changes.
   */
  async markStarted(id: string, instanceId: string, startedAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE executions SET started_time = $3, updated_time = now()
        WHERE id = $1 AND instance_id = $2 AND state = 'running'`,
      [id, instanceId, startedAt],
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
   * wins). What the claim wrote in `description` is kept, the finish's own description appended. In
   * the same statement, a run ending failed or timeout with attempts left gets its retry (a pending
   * row, see {@link retriesOfSql}): the retries written come back.
   */
  async finishIfOwned(finishes: ExecutionFinish[], instanceId: string): Promise<PendingRetry[]> {
    const { rows } = await this.pool.query<{ id: string; scheduled_time: Date }>({
      name: 'cronwarden_finish_executions',
      text: `WITH finished AS (
               UPDATE executions e
                  SET state = u.state, finished_time = u.finished_time, result = u.result,
                      description = CASE WHEN u.description = '' THEN e.description
                                         WHEN e.description = '' THEN u.description
                                         ELSE e.description || '; ' || u.description END,
                      updated_time = now()
                 FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])
                      AS u(id, state, finished_time, result, description)
                WHERE e.id = u.id AND e.instance_id = $6 AND e.state = 'running'
               RETURNING e.id, e.job_id, e.state, e.finished_time, e.attempt, e.retry_of
             )${retriesOfSql('finished')}
             SELECT id, scheduled_time FROM retried`,
      values: [
        finishes.map((finish) => finish.id),
        finishes.map((finish) => finish.state),
        finishes.map((finish) => finish.finishedAt),
        finishes.map((finish) => finish.result),
        finishes.map((finish) => finish.description),
        instanceId,
      ],
    });
    return rows.map((row) => ({ id: row.id, scheduledTime: row.scheduled_time }));
  }

  /**
   * Claims due pending retries of any owner (named prepared statement `cronwarden_claim_retries`): up
   * to `limit` rows in state `scheduled` with trigger `retry` whose scheduled_time has come, locked
   * `FOR UPDATE SKIP LOCKED` (instances claiming at once take different rows; a row is claimed once,
   * since it leaves `scheduled`). Each becomes `running` on this instance, or `skipped` with the
   * reason: the job deleted or paused meanwhile, its owner without the right to run it,
   * `max_instances` of the job or `maxRunningPerUser` of its owner running (counting the retries
   * started by this statement).
   */
  async claimDueRetriesAcrossOwners(
    instance: ClaimingInstance,
    maxRunningPerUser: number,
    requirements: RightsRequirements,
    limit: number,
  ): Promise<ClaimedExecution[]> {
    const { rows } = await this.pool.query<ClaimedRow>({
      name: 'cronwarden_claim_retries',
      text: `
        WITH due AS (
          SELECT e.id FROM executions e
           WHERE e.state = 'scheduled' AND e.trigger = 'retry' AND e.scheduled_time <= now()
           ORDER BY e.scheduled_time, e.id LIMIT $7
             FOR UPDATE SKIP LOCKED
        ), judged AS (
          SELECT e.id, e.job_id, e.owner_id, j.id IS NOT NULL AS job_exists, j.paused, j.max_instances,
                 CASE WHEN j.id IS NOT NULL THEN ${refusalSql('j', 'u', '$5', '$6')} END AS refusal,
                 (SELECT count(*) FROM executions r WHERE r.job_id = e.job_id AND r.state = 'running')
                   + row_number() OVER (PARTITION BY e.job_id ORDER BY e.scheduled_time, e.id) - 1 AS running,
                 (SELECT count(*) FROM executions r WHERE r.owner_id = e.owner_id AND r.state = 'running')
                   + row_number() OVER (PARTITION BY e.owner_id ORDER BY e.scheduled_time, e.id) - 1 AS owner_running
            FROM due d JOIN executions e ON e.id = d.id
            LEFT JOIN jobs j ON j.id = e.job_id LEFT JOIN users u ON u.id = j.owner_id
        ), decided AS (
          SELECT id, CASE WHEN NOT job_exists THEN '${RETRY_SKIPPED_DELETED}'
                          WHEN paused THEN '${RETRY_SKIPPED_PAUSED}'
                          WHEN refusal IS NOT NULL THEN 'skipped: ' || refusal
                          WHEN running >= max_instances
                            THEN 'skipped: ' || running || ' executions running, max_instances is ' || max_instances
                          WHEN owner_running >= $4
                            THEN 'skipped: the owner already has ' || owner_running
                                 || ' executions running (MAX_RUNNING_PER_USER)'
                     END AS skip
            FROM judged
        ), claimed AS (
          UPDATE executions e
             SET state = CASE WHEN d.skip IS NULL THEN 'running' ELSE 'skipped' END,
                 started_time = CASE WHEN d.skip IS NULL THEN clock_timestamp() END,
                 finished_time = CASE WHEN d.skip IS NULL THEN NULL ELSE now() END,
                 hostname = $1, pid = $2, instance_id = $3, updated_time = now(),
                 description = CASE WHEN d.skip IS NULL THEN e.description ELSE e.description || '; ' || d.skip END
            FROM decided d WHERE e.id = d.id
          RETURNING e.id, e.job_id, e.owner_id, e.scheduled_time, e.state
        )
        SELECT c.id, c.job_id, c.owner_id, c.scheduled_time, c.state, coalesce(j.name, e.job_name) AS name,
               coalesce(j.job_class_string, e.job_class_string) AS job_class_string,
               coalesce(j.pub_args, '[]'::jsonb) AS pub_args, coalesce(j.timeout_seconds, 1) AS timeout_seconds
          FROM claimed c JOIN executions e ON e.id = c.id LEFT JOIN jobs j ON j.id = c.job_id`,
      values: [
        instance.hostname,
        instance.pid,
        instance.id,
        maxRunningPerUser,
        requirements.classes,
        requirements.permissions,
        limit,
      ],
    });
    return rows.map(toClaimed);
  }

  /** When the next pending retry of any owner is due, or null when none is pending. */
  async nextPendingRetryAcrossOwners(): Promise<Date | null> {
    const { rows } = await this.pool.query<{ due: Date | null }>(
      `SELECT min(scheduled_time) AS due FROM executions WHERE state = 'scheduled' AND trigger = 'retry'`,
    );
    return rows[0]?.due ?? null;
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

  /**
   * Inserts fires of job `jobId` (any owner's) in `transaction`, each in its given state (a catch-up's
   * runs, skips and misses), with `ON CONFLICT (job_id, scheduled_time, retry_of) DO NOTHING` (retry_of null: the fire's key): the ones written
   * come back. Only `running` rows are stamped with the instance and a start time.
   */
  async insertFiresAcrossOwners(
    transaction: EntityManager,
    jobId: string,
    fires: ReadonlyArray<{ scheduled: Date; state: ExecutionState; description: string }>,
    instance: ClaimingInstance,
  ): Promise<ClaimedExecution[]> {
    const rows: ClaimedRow[] = await transaction.query(
      `WITH input AS (
               SELECT * FROM unnest($2::timestamptz[], $3::text[], $4::text[]) AS i(scheduled_time, state, description)
             ), claimed AS (
               INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                       started_time, hostname, pid, instance_id, description)
               SELECT j.id, j.name, j.job_class_string, j.owner_id, i.state, 'cron', i.scheduled_time,
                      CASE WHEN i.state = 'running' THEN clock_timestamp() END,
                      CASE WHEN i.state = 'running' THEN $5 END, CASE WHEN i.state = 'running' THEN $6::int END,
                      CASE WHEN i.state = 'running' THEN $7 END, i.description
                 FROM input i CROSS JOIN jobs j WHERE j.id = $1
               ON CONFLICT (job_id, scheduled_time, retry_of) DO NOTHING
               RETURNING id, job_id, owner_id, scheduled_time, state
             )
             SELECT c.id, c.job_id, c.owner_id, c.scheduled_time, c.state, j.name, j.job_class_string, j.pub_args,
                    j.timeout_seconds
               FROM claimed c JOIN jobs j ON j.id = c.job_id`,
      [
        jobId,
        fires.map((fire) => fire.scheduled),
        fires.map((fire) => fire.state),
        fires.map((fire) => fire.description),
        instance.hostname,
        instance.pid,
        instance.id,
      ],
    );
    return rows.map(toClaimed);
  }

  /**
   * The second statement of a run now (named prepared statement `cronwarden_run_now`), in
   * `transaction` after {@link JobsRepository.lockForRunNowAcrossOwners}: checks the owner's rights,
   * the job's `max_instances` and `maxRunningPerUser`, and inserts the `manual` execution, `running`,
   * only when all allow it, with its audit entry `custom_run` by `actor` (on the job owner's log). It
   * starts after the locks are held, so its snapshot sees every execution inserted by whoever held them
   * before: no check-then-insert race. Null when the job is gone.
   */
  async startRunNowAcrossOwners(
    transaction: PgTransaction,
    jobId: string,
    instance: ClaimingInstance,
    requirements: RightsRequirements,
    maxRunningPerUser: number,
    actor: RunNowActor,
  ): Promise<RunNowDecision | null> {
    const { rows } = await transaction.query<RunNowRow>({
      name: 'cronwarden_run_now',
      text: `
          WITH job AS (
            SELECT j.id, j.name, j.job_class_string, j.pub_args, j.timeout_seconds, j.owner_id, j.max_instances,
                   ${refusalSql('j', 'u', '$5', '$6')} AS refusal,
                   (SELECT count(*) FROM executions r WHERE r.job_id = j.id AND r.state = 'running')::int AS running,
                   (SELECT count(*) FROM executions r
                     WHERE r.owner_id = j.owner_id AND r.state = 'running')::int AS owner_running
              FROM jobs j JOIN users u ON u.id = j.owner_id WHERE j.id = $1
          ), decided AS (
            SELECT job.*, CASE WHEN refusal IS NOT NULL THEN 'refused'
                               WHEN running >= max_instances THEN 'max_instances'
                               WHEN owner_running >= $7 THEN 'max_running_per_user'
                               ELSE 'started' END AS verdict
              FROM job
          ), claimed AS (
            INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                    started_time, hostname, pid, instance_id, description)
            SELECT id, name, job_class_string, owner_id, 'running', 'manual', clock_timestamp(), clock_timestamp(),
                   $2, $3, $4, ''
              FROM decided WHERE verdict = 'started'
            RETURNING id, scheduled_time
          ), audited AS (
            INSERT INTO audit_logs (job_id, job_name, event, "user", user_id, owner_id, description)
            SELECT d.id, d.name, 'custom_run', $8::text, $9::uuid, d.owner_id, 'run now: execution ' || c.id
              FROM decided d JOIN claimed c ON true
          )
          SELECT d.verdict, d.refusal, d.running, d.owner_running, d.max_instances, d.id AS job_id, d.owner_id,
                 d.name, d.job_class_string, d.pub_args, d.timeout_seconds, c.id, c.scheduled_time
            FROM decided d LEFT JOIN claimed c ON true`,
      values: [
        jobId,
        instance.hostname,
        instance.pid,
        instance.id,
        requirements.classes,
        requirements.permissions,
        maxRunningPerUser,
        actor.user,
        actor.userId,
      ],
    });
    const row = rows[0];
    if (!row) return null;
    if (row.verdict === 'started') {
      return {
        verdict: 'started',
        execution: toClaimed({
          ...row,
          id: row.id ?? '',
          scheduled_time: row.scheduled_time ?? new Date(),
          state: 'running',
        }),
      };
    }
    return {
      verdict: row.verdict,
      refusal: row.refusal,
      running: row.running,
      ownerRunning: row.owner_running,
      maxInstances: row.max_instances,
    };
  }
}
