import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { OwnerScope } from '../../access/owner-scope.js';
import { ownerCondition } from '../../access/owner-scope.js';
import type { ExecutionState } from '../entities/execution.entity.js';
import { Job } from '../entities/job.entity.js';
import { PgPool, type PgTransaction } from '../pg-pool.js';
import { type ClaimedExecution, type ClaimedRow, type ClaimingInstance, toClaimed } from './claimed-execution.js';
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
import { isoTextSql, jsonObjectSql } from './json-text.sql.js';
import { isUuid, ownerSql } from './owner-filter.js';
import { pageVersionCte, type VersionedPage } from './page-version.sql.js';
import { refusalSql, type RightsRequirements } from './owner-rights.sql.js';
import { RETRY_SKIPPED_DELETED, RETRY_SKIPPED_PAUSED, skipPendingRetriesSql } from './retries.sql.js';
import { type WriteRecord, writeRecordSql } from './write-record.sql.js';

/** A fire of a suspended job, passed over by the claim (next_run_time advanced, nothing recorded). */
export interface SuspendedFire {
  state: 'suspended';
  jobId: string;
  ownerId: string | null;
  scheduledTime: Date;
}

/** What the claim made of one proposed fire it won: an execution row, or a suspended job's fire passed over. */
export type ClaimedFire = ClaimedExecution | SuspendedFire;

/** Which jobs a review of suspensions looks at. */
export type SuspensionReviewScope = { ownerId: string } | { jobId: string } | 'all';

/** A suspended job's fire as the claim statement returns it. */
interface SuspendedRow {
  id: null;
  job_id: string;
  owner_id: string | null;
  scheduled_time: Date;
  state: 'suspended';
}

/** First key of the advisory lock a run now holds on its job's owner (the second is the owner's hash): "runs". */
const RUNNING_OF_OWNER_LOCK = 0x72756e73;

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

/** A job whose latest finished run failed or timed out, with that run. */
export interface FailingJob {
  id: string;
  name: string;
  lastExecution: { id: string; state: ExecutionState; scheduledTime: Date };
}

const SORT_COLUMNS: Record<JobSortKey, string> = {
  name: 'j.name',
  job_class_string: 'j.job_class_string',
  next_run_time: 'j.next_run_time',
  owner: 'u.username',
  created_time: 'j.created_time',
};

/** The ORDER BY of a job list: the column, then job_id in the same direction (stable pages). */
function orderByOf(sort: JobListPage['sort']): string {
  return `${sortColumnOf(sort)} ${sortDirection(sort)}, j.id ${sortDirection(sort, true)}`;
}

/** The column a job list is sorted by. */
function sortColumnOf(sort: JobListPage['sort']): string {
  return SORT_COLUMNS[(sort.startsWith('-') ? sort.slice(1) : sort) as JobSortKey];
}

/** `ASC` or `DESC`, with `NULLS LAST` for the next fire time unless for the tie-breaking id. */
function sortDirection(sort: JobListPage['sort'], tieBreak = false): string {
  const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
  return !tieBreak && sort.replace('-', '') === 'next_run_time' ? `${direction} NULLS LAST` : direction;
}

/**
 * A job list item's JSON (`toJobResponse` of the row `j` with owner `u`, then `last_execution` of `le`),
 * in two halves around `pub_args`: `head` ends before it, `tail` starts after it.
 */
const JOB_ITEM_JSON = {
  head: jsonObjectSql([
    ['job_id', 'j.id'],
    ['name', 'j.name'],
    ['job_class_string', 'j.job_class_string'],
  ]),
  tail: jsonObjectSql([
    ['month', 'j.month'],
    ['day_of_week', 'j.day_of_week'],
    ['day', 'j.day'],
    ['hour', 'j.hour'],
    ['minute', 'j.minute'],
    ['second', 'j.second'],
    ['timezone', 'j.timezone'],
    ['paused', 'j.paused'],
    ['next_run_time', isoTextSql('j.next_run_time')],
    ['max_instances', 'j.max_instances'],
    ['timeout_seconds', 'j.timeout_seconds'],
    ['misfire_grace_seconds', 'j.misfire_grace_seconds'],
    ['coalesce', 'j.coalesce'],
    ['suspended_reason', 'j.suspended_reason'],
    [
      'owner',
      jsonObjectSql([
        ['id', 'j.owner_id'],
        ['username', 'u.username'],
      ]),
    ],
    ['created_time', isoTextSql('j.created_time')],
    ['updated_time', isoTextSql('j.updated_time')],
    ['trigger', 'j.trigger'],
    ['interval_seconds', 'j.interval_seconds'],
    ['run_date', isoTextSql('j.run_date')],
    ['start_date', isoTextSql('j.start_date')],
    ['end_date', isoTextSql('j.end_date')],
    ['jitter_seconds', 'j.jitter_seconds'],
    ['retries', 'j.retries'],
    ['retry_delay_seconds', 'j.retry_delay_seconds'],
    ['retry_backoff', 'j.retry_backoff'],
    ['retry_delay_max_seconds', 'j.retry_delay_max_seconds'],
    [
      'last_execution',
      `CASE WHEN le.id IS NULL THEN NULL ELSE ${jsonObjectSql([
        ['execution_id', 'le.id'],
        ['state', 'le.state'],
        ['scheduled_time', isoTextSql('le.scheduled_time')],
      ])} END`,
    ],
  ]),
};

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
   * One page of jobs within `scope`, each with its latest execution, as the JSON text of its item in
   * `GET /jobs` (`toJobResponse` and `last_execution`, byte for byte), joined by commas and given as
   * parts to write one after the other; the total; and the page's version ({@link pageVersionCte}).
   * When the version is `known`, the page is not written (`parts` is null): the caller has it already.
   * One named prepared statement per filter shape and order. PostgreSQL writes each item's JSON
   * ({@link JOB_ITEM_JSON}) but for `pub_args` (jsonb: PostgreSQL writes it with spaces and its own
   * number forms), which Node parses and stringifies between the two halves. The latest execution is
   * one index probe per row of the page (LATERAL over UQ_executions_job_scheduled, whose key orders
   * it completely), never a query per job. This is the hottest read.
   */
  async listPageJson(
    scope: OwnerScope,
    filters: JobListFilters,
    page: JobListPage,
    known: string | null = null,
  ): Promise<VersionedPage<string[]>> {
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
    const window = `LIMIT $${values.length + 1} OFFSET $${values.length + 2}`;
    const rows = `FROM jobs j JOIN users u ON u.id = j.owner_id
                  LEFT JOIN LATERAL (
                    SELECT e.id, e.xmin, e.state, e.scheduled_time FROM executions e
                     WHERE e.job_id = j.id ORDER BY e.scheduled_time DESC, e.retry_of DESC LIMIT 1
                  ) le ON true`;
    const aggregateOrder = `p.sort_key ${sortDirection(page.sort)}, p.sort_id ${sortDirection(page.sort, true)}`;
    const { rows: answer } = await this.pool.query<{
      version: string;
      total: string;
      page: string | null;
      pub_args: string | null;
    }>({
      name: `cronwarden_list_jobs_json_${shape.join('') || 'all'}_${page.sort.replace('-', 'desc_')}`,
      // One text of the whole page and one array of the page's pub_args, so Node receives two strings
      // rather than strings and a row object per job: in a 1 MiB young generation those were most of its
      // GC. Each job's text has U+0001 where its pub_args go: row_to_json escapes every control character
      // inside strings, so the raw character appears nowhere else. The version and the page are read by
      // one statement, so from one snapshot.
      text: `${pageVersionCte(
        `SELECT count(*) AS total FROM jobs j ${where}`,
        `SELECT concat_ws('.', j.id, j.xmin, u.xmin, le.id, le.xmin) AS tag
           ${rows} ${where} ORDER BY ${orderByOf(page.sort)} ${window}`,
      )}
             SELECT v.version, v.total, c.page, c.pub_args FROM v LEFT JOIN LATERAL (
               SELECT string_agg(p.item, ',' ORDER BY ${aggregateOrder}) AS page,
                      json_agg(p.pub_args ORDER BY ${aggregateOrder})::text AS pub_args
                 FROM (SELECT left(${JOB_ITEM_JSON.head}::text, -1) || ',"pub_args":' || chr(1) || ',' ||
                              substr(${JOB_ITEM_JSON.tail}::text, 2) AS item,
                              j.pub_args, ${sortColumnOf(page.sort)} AS sort_key, j.id AS sort_id
                         ${rows}
                        WHERE ${[...conditions, `v.version IS DISTINCT FROM $${values.length + 3}`].join(' AND ')}
                        ORDER BY ${orderByOf(page.sort)} ${window}) p
             ) c ON true`,
      values: [...values, page.limit, page.offset, known],
    });
    const { version, total, page: text, pub_args: pubArgsText } = answer[0];
    if (version === known) return { version, total: Number(total), items: null };
    if (text === null || pubArgsText === null) return { version, total: Number(total), items: [] };
    // The page between the markers, each job's pub_args stringified as JSON.stringify writes them.
    const pieces = text.split('\u0001');
    const pubArgs = JSON.parse(pubArgsText) as unknown[];
    const parts: string[] = [pieces[0]];
    for (let i = 0; i < pubArgs.length; i += 1) parts.push(JSON.stringify(pubArgs[i]), pieces[i + 1]);
    return { version, total: Number(total), items: parts };
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
   * Inserts a new job (its id given), audited and announced by `record`, in one statement: in
   * `manager`'s transaction when given, else in its own. With `limit`, only while its owner's jobs
   * plus `limit.reserve` stay under `limit.max`, counted after taking the owner's job-creation lock in
   * the statement (`cronwarden_owned_jobs`: shared when `reserve` > 0, else exclusive): `owned` says
   * how many they had when it was refused.
   */
  async insert(
    values: Omit<JobRecord, 'createdTime' | 'updatedTime'>,
    record: WriteRecord,
    manager?: EntityManager,
    limit?: { max: number; reserve: number },
  ): Promise<{ job: JobRecord } | { owned: number }> {
    const given = Object.keys(values) as Array<keyof typeof values>;
    const row: Record<string, unknown> = {};
    for (const field of given) row[JOB_COLUMNS[field]] = values[field];
    const sqlValues: unknown[] = [
      JSON.stringify(row),
      values.ownerId,
      limit ? limit.max - limit.reserve : null,
      limit ? limit.reserve === 0 : null,
    ];
    const columns = jobColumnsSql(given);
    const rows = await this.write<JobRow & { owned: number | null }>(
      manager,
      `WITH owned AS (
         SELECT cronwarden_owned_jobs($2::uuid, $4::boolean) AS n WHERE $3::int IS NOT NULL
       ), changed AS (
         INSERT INTO jobs (${columns})
         SELECT ${jobColumnsSql(given, 'r')} FROM json_populate_record(NULL::jobs, $1::json) r
          WHERE $3::int IS NULL OR (SELECT n FROM owned) < $3::int
         RETURNING ${jobColumnsSql(ALL_JOB_FIELDS)}
       )${writeRecordSql('changed', record, sqlValues)}
       SELECT changed.*, (SELECT n FROM owned) AS owned, (SELECT count(*) FROM notice) AS notified
         FROM (VALUES (1)) AS one LEFT JOIN changed ON true`,
      sqlValues,
    );
    const first = rows[0];
    if (first.id === null) return { owned: first.owned ?? 0 };
    return { job: fullJobOfRow(first) };
  }

  /**
   * How many jobs the owner of `scope` has, counted after taking their job-creation lock exclusively
   * until the end of `manager`'s transaction (an import counts its whole batch against the limit).
   */
  async lockAndCountOwned(scope: OwnerScope & { kind: 'owner' }, manager: EntityManager): Promise<number> {
    const { ownerId } = ownerCondition(scope) as { ownerId: string };
    const { rows } = await this.pool.preparedIn<{ n: number }>(
      manager,
      'SELECT cronwarden_owned_jobs($1::uuid, true) AS n',
      [ownerId],
    );
    return rows[0].n;
  }

  /** The database's max_connections: no more transactions than that can be open at once, whoever opened them. */
  async maxConnections(): Promise<number> {
    const rows = await this.run<{ max_connections: string }>(
      undefined,
      `SELECT current_setting('max_connections') AS max_connections`,
      [],
    );
    return Number(rows[0].max_connections);
  }

  /**
   * Writes `patch` to job `id` (only those columns, and updated_time), audited and announced by
   * `record`, in one statement (in `manager`'s transaction when given, else in its own); its new
   * updated_time, or null if gone (then nothing is recorded). Pausing it (`paused: true`) also skips
   * its pending retries (a paused job's runs are not retried).
   */
  async update(
    id: string,
    patch: Partial<Omit<JobRecord, 'id' | 'createdTime' | 'updatedTime'>>,
    record: WriteRecord,
    manager?: EntityManager,
  ): Promise<Date | null> {
    const fields = Object.keys(patch) as JobField[];
    const values: unknown[] = [id];
    const sets = fields.map((field) => {
      values.push(parameterOf(field, patch[field as keyof typeof patch]));
      return `${JOB_COLUMNS[field]} = $${values.length}`;
    });
    let skip = '';
    if (patch.paused === true) {
      values.push(RETRY_SKIPPED_PAUSED);
      skip = `, skipped AS (${skipPendingRetriesSql('$1', `$${values.length}`)})`;
    }
    const rows = await this.write<{ updated_time: Date }>(
      manager,
      `WITH changed AS (
         UPDATE jobs SET ${[...sets, 'updated_time = CURRENT_TIMESTAMP'].join(', ')} WHERE id = $1::uuid
         RETURNING id, updated_time
       )${skip}${writeRecordSql('changed', record, values)}
       SELECT updated_time, (SELECT count(*) FROM notice) AS notified FROM changed`,
      values,
    );
    return rows[0]?.updated_time ?? null;
  }

  /**
   * Deletes job `id` (its executions stay; its pending retries are skipped), audited and announced by
   * `record`, in one statement (in `manager`'s transaction when given, else in its own). False when it
   * was gone already (nothing recorded).
   */
  async delete(id: string, record: WriteRecord, manager?: EntityManager): Promise<boolean> {
    const values: unknown[] = [id, RETRY_SKIPPED_DELETED];
    const rows = await this.write<{ notified: string }>(
      manager,
      `WITH changed AS (
         DELETE FROM jobs WHERE id = $1::uuid RETURNING id
       ), skipped AS (${skipPendingRetriesSql('$1', '$2')})${writeRecordSql('changed', record, values)}
       SELECT (SELECT count(*) FROM notice) AS notified`,
      values,
    );
    return Number(rows[0].notified) > 0;
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

  private async run<Row extends object>(
    manager: EntityManager | undefined,
    sql: string,
    values: unknown[],
  ): Promise<Row[]> {
    if (manager) return manager.query<Row[]>(sql, values);
    return (await this.pool.prepared<Row>(sql, values)).rows;
  }

  /** A write statement: in `manager`'s transaction, else straight on the pool (a transaction of its own). */
  private async write<Row extends object>(
    manager: EntityManager | undefined,
    sql: string,
    values: unknown[],
  ): Promise<Row[]> {
    if (manager) return (await this.pool.preparedIn<Row>(manager, sql, values)).rows;
    return (await this.pool.prepared<Row>(sql, values)).rows;
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

  /** Jobs as the scheduler registers them, whoever owns them, by id (job sync applies a batch of changes). */
  async findSchedulableByIdsAcrossOwners(ids: string[]): Promise<SchedulableJobRecord[]> {
    const rows = await this.run<JobRow<SchedulableField>>(
      undefined,
      `SELECT ${jobColumnsSql(SCHEDULABLE_FIELDS)} FROM jobs WHERE id = ANY($1::uuid[])`,
      [ids.filter(isUuid)],
    );
    return rows.map((row) => jobOfRow(row, SCHEDULABLE_FIELDS));
  }

  /**
   * Up to `limit` active jobs of any owner whose next_run_time passed `lateSeconds` ago or more, the
   * most overdue first (the sweeper catches them up).
   */
  async listOverdueAcrossOwners(lateSeconds: number, limit: number): Promise<SchedulableJobRecord[]> {
    const rows = await this.run<JobRow<SchedulableField>>(
      undefined,
      `SELECT ${jobColumnsSql(SCHEDULABLE_FIELDS)} FROM jobs
        WHERE NOT paused AND next_run_time <= now() - make_interval(secs => $1)
        ORDER BY next_run_time ASC LIMIT $2`,
      [lateSeconds, limit],
    );
    return rows.map((row) => jobOfRow(row, SCHEDULABLE_FIELDS));
  }

  /**
   * Claims on-time fires of many jobs of any owner in one statement (named prepared statement
   * `cronwarden_claim_fires`): the execution rows are inserted with `ON CONFLICT (job_id,
   * scheduled_time) DO NOTHING` and each job's next_run_time is advanced to `following` in the same
   * statement. A fire is claimed only while the job is active and its next_run_time still is that fire;
   * it starts `running` unless `max_instances` executions of the job, or `maxRunningPerUser` of its
   * owner, are already running (across every instance, and counting the fires this statement starts
   * before it, in id order), then it is `skipped`. Rights are checked in
   * the same statement: when the owner may not run the job, the fire is `skipped` with the reason and
   * the job marked suspended (`suspended_reason`); a suspended job's later fires leave no row (they
   * come back as `suspended`) until the owner may run it again, which lifts the suspension. Rows are
   * locked in id order (instances claiming the same fires never deadlock) and inserted in id order.
   */
  async claimDueAcrossOwners(
    fires: ReadonlyArray<{ jobId: string; scheduled: Date; following: Date | null }>,
    instance: ClaimingInstance,
    maxRunningPerUser: number,
    requirements: RightsRequirements,
  ): Promise<ClaimedFire[]> {
    const { rows } = await this.pool.query<ClaimedRow | SuspendedRow>({
      name: 'cronwarden_claim_fires',
      text: `
        WITH input AS (
          SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS i(job_id, scheduled_time, following)
        ), locked AS (
          SELECT j.id, j.name, j.job_class_string, j.pub_args, j.timeout_seconds, j.owner_id, j.max_instances,
                 j.suspended_reason, i.scheduled_time, i.following, ${refusalSql('j', 'u', '$8', '$9')} AS refusal
            FROM input i JOIN jobs j ON j.id = i.job_id JOIN users u ON u.id = j.owner_id
           WHERE NOT j.paused AND j.next_run_time = i.scheduled_time
           ORDER BY j.id
             FOR UPDATE OF j
        ), due AS (
          SELECT l.*,
                 (SELECT count(*) FROM executions r WHERE r.job_id = l.id AND r.state = 'running') AS running,
                 (SELECT count(*) FROM executions r WHERE r.owner_id = l.owner_id AND r.state = 'running') AS owner_running
            FROM locked l
        ), eligible AS (
          SELECT due.*, refusal IS NULL AND running < max_instances AS eligible FROM due
        ), decided AS (
          -- The owner's fires of this statement start in id order while the owner's running executions,
          -- those started before the statement and those it starts, stay under the limit.
          SELECT eligible.*,
                 eligible AND owner_running + count(*) FILTER (WHERE eligible) OVER (
                   PARTITION BY owner_id ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                 ) < $7 AS starts,
                 -- a suspended job's fires leave no row: only the first refused one is recorded
                 refusal IS NULL OR suspended_reason IS NULL AS recorded
            FROM eligible
        ), claimed AS (
          INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                  started_time, hostname, pid, instance_id, description)
          SELECT id, name, job_class_string, owner_id,
                 CASE WHEN starts THEN 'running' ELSE 'skipped' END, 'cron', scheduled_time,
                 CASE WHEN starts THEN clock_timestamp() END, $4, $5, $6,
                 CASE WHEN starts THEN ''
                      WHEN refusal IS NOT NULL THEN 'skipped: ' || refusal
                      WHEN running >= max_instances
                        THEN 'skipped: ' || running || ' executions running, max_instances is ' || max_instances
                      ELSE 'skipped: the owner already has ' || greatest(owner_running, $7)
                           || ' executions running (MAX_RUNNING_PER_USER)' END
            FROM decided WHERE recorded ORDER BY id
          ON CONFLICT (job_id, scheduled_time, retry_of) DO NOTHING
          RETURNING id, job_id, owner_id, scheduled_time, state
        ), advanced AS (
          UPDATE jobs j SET next_run_time = d.following, suspended_reason = d.refusal
            FROM due d WHERE j.id = d.id AND j.next_run_time = d.scheduled_time
          RETURNING j.id
        )
        SELECT c.id, c.job_id, c.owner_id, c.scheduled_time, c.state, d.name, d.job_class_string, d.pub_args,
               d.timeout_seconds
          FROM claimed c JOIN due d ON d.id = c.job_id
        UNION ALL
        SELECT NULL, d.id, d.owner_id, d.scheduled_time, 'suspended', NULL, NULL, NULL, NULL
          FROM decided d WHERE NOT d.recorded`,
      values: [
        fires.map((fire) => fire.jobId),
        fires.map((fire) => fire.scheduled),
        fires.map((fire) => fire.following),
        instance.hostname,
        instance.pid,
        instance.id,
        maxRunningPerUser,
        requirements.classes,
        requirements.permissions,
      ],
    });
    return rows.map((row) =>
      row.state === 'suspended'
        ? { state: 'suspended', jobId: row.job_id, ownerId: row.owner_id, scheduledTime: row.scheduled_time }
        : toClaimed(row),
    );
  }

  /**
   * Locks job `jobId` of any owner for a catch-up, in `transaction`, only while it is active and its
   * next_run_time still is `expectedNext`: its max_instances and suspended_reason, or null (nothing to do).
   */
  async lockForCatchUpAcrossOwners(
    transaction: EntityManager,
    jobId: string,
    expectedNext: Date,
  ): Promise<{ maxInstances: number; suspendedReason: string | null } | null> {
    const rows: Array<{ max_instances: number; suspended_reason: string | null }> = await transaction.query(
      `SELECT j.max_instances, j.suspended_reason FROM jobs j
          WHERE j.id = $1 AND NOT j.paused AND j.next_run_time = $2 FOR UPDATE OF j`,
      [jobId, expectedNext],
    );
    return rows.length > 0 ? { maxInstances: rows[0].max_instances, suspendedReason: rows[0].suspended_reason } : null;
  }

  /**
   * What limits a fire of job `jobId` (any owner's) now, in `transaction`: its running executions,
   * its owner's, and why the owner may not run it (null when they may). Counted by a statement of its
   * own, so after a row lock taken earlier in the transaction it sees committed starts.
   */
  async fireLimitsAcrossOwners(
    transaction: EntityManager,
    jobId: string,
    requirements: RightsRequirements,
  ): Promise<{ running: number; ownerRunning: number; refusal: string | null }> {
    const [row]: Array<{ running: string; owner_running: string; refusal: string | null }> = await transaction.query(
      `SELECT (SELECT count(*) FROM executions WHERE job_id = $1 AND state = 'running') AS running,
                (SELECT count(*) FROM executions r JOIN jobs j ON j.owner_id = r.owner_id
                  WHERE j.id = $1 AND r.state = 'running') AS owner_running,
                (SELECT ${refusalSql('j', 'u', '$2', '$3')} FROM jobs j JOIN users u ON u.id = j.owner_id
                  WHERE j.id = $1) AS refusal`,
      [jobId, requirements.classes, requirements.permissions],
    );
    return { running: Number(row.running), ownerRunning: Number(row.owner_running), refusal: row.refusal };
  }

  /** Sets job `jobId`'s (any owner's) next_run_time and suspended_reason, in `transaction` (a catch-up's end). */
  async advanceAcrossOwners(
    transaction: EntityManager,
    jobId: string,
    next: Date | null,
    suspendedReason: string | null,
  ): Promise<void> {
    await transaction.query(`UPDATE jobs SET next_run_time = $2, suspended_reason = $3 WHERE id = $1`, [
      jobId,
      next,
      suspendedReason,
    ]);
  }

  /**
   * The first statement of a run now (named prepared statement `cronwarden_run_now_lock`), in
   * `transaction`: locks job `jobId` (any owner's) and takes the transaction-long advisory lock on its
   * owner's running executions, so run-nows of the job, and of any job of the owner, take turns (and a
   * scheduled claim of the job waits too). False when the job does not exist.
   */
  async lockForRunNowAcrossOwners(transaction: PgTransaction, jobId: string): Promise<boolean> {
    const locked = await transaction.query({
      name: 'cronwarden_run_now_lock',
      text: `WITH job AS (SELECT owner_id FROM jobs WHERE id = $1 FOR UPDATE)
               SELECT pg_advisory_xact_lock(${RUNNING_OF_OWNER_LOCK}, hashtext(owner_id::text)) FROM job`,
      values: [jobId],
    });
    return locked.rowCount !== 0;
  }

  /**
   * Sets `suspended_reason` of the jobs in `scope` (any owner's when `all`) to what their owners'
   * rights say now (a reason, or null): suspends without recording an execution, and lifts
   * suspensions. Locks only the rows it changes, in id order (as the claim does, so the two never
   * deadlock). Returns the ids changed.
   */
  async reviewSuspensionsAcrossOwners(
    scope: SuspensionReviewScope,
    requirements: RightsRequirements,
    transaction?: EntityManager,
  ): Promise<string[]> {
    const values: unknown[] = [requirements.classes, requirements.permissions];
    let where = '';
    if (scope !== 'all') {
      values.push('ownerId' in scope ? scope.ownerId : scope.jobId);
      where = 'ownerId' in scope ? 'WHERE j.owner_id = $3' : 'WHERE j.id = $3';
    }
    const rows = await this.run<{ id: string }>(
      transaction,
      `WITH current AS (
         SELECT j.id, ${refusalSql('j', 'u', '$1', '$2')} AS refusal
           FROM jobs j JOIN users u ON u.id = j.owner_id ${where}
       ), changed AS (
         SELECT j.id, c.refusal FROM jobs j JOIN current c ON c.id = j.id
          WHERE j.suspended_reason IS DISTINCT FROM c.refusal
          ORDER BY j.id
            FOR UPDATE OF j
       ), updated AS (
         UPDATE jobs j SET suspended_reason = changed.refusal FROM changed WHERE j.id = changed.id
         RETURNING j.id
       )
       SELECT id FROM updated`,
      values,
    );
    return rows.map((row) => row.id);
  }
}
