import { BadRequestException, ConflictException, ForbiddenException, HttpException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In, type SelectQueryBuilder } from 'typeorm';
import { AccessService, notFound } from '../access/access.service.js';
import { type AuthUser, hasPermission } from '../access/auth-user.js';
import { ownerCondition, type OwnerScope } from '../access/owner-scope.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { AuditEvent } from '../audit-logs/audit-events.js';
import type { AppConfig } from '../config/app-config.js';
import { JobClassRegistry } from '../job-classes/job-class.registry.js';
import { CronSchedule, ScheduleError } from '../scheduler/cron-schedule.js';
import { JobSync } from '../scheduler/job-sync.js';
import { cronFieldsOf, JobTimerRegistry } from '../scheduler/job-timer.registry.js';
import { OwnerRights } from '../scheduler/owner-rights.js';
import { ScriptsService } from '../scripts/scripts.service.js';
import { User } from '../database/entities/user.entity.js';
import {
  type ExportedJob,
  type ExportJobsQueryDto,
  type ImportedJobDto,
  importedJobOf,
  type JobImportResponse,
  type OnConflict,
} from './dto/job-import.dto.js';
import type { CreateJobDto, PreviewScheduleDto, UpdateJobDto } from './dto/job.dto.js';
import {
  type JobListItemResponse,
  type JobListItemRow,
  JOB_LIST_COLUMNS,
  jobListItemRowToResponse,
  type JobOwnerResponse,
  toJobResponse,
} from './dto/job.response.js';
import type { JobSort, JobSortKey, JobsQueryDto } from './dto/jobs.query.js';
import { Job } from '../database/entities/job.entity.js';
import { PgPool } from '../database/pg-pool.js';

const JOB = 'Job';

export type ImportResult = JobImportResponse;
type ImportedJobResult = JobImportResponse['jobs'][number];

export interface ImportOptions {
  /**
   * Whose jobs these become (default: the caller's). For operators (the CLI) acting for a user: the
   * owner's scripts and job limit count, and the owner's rights are reviewed as when an admin creates
   * a job for someone (suspended when the owner may not run its class).
   */
  ownerId?: string;
  /** Does every check and write, then rolls the transaction back: what would happen, with nothing written. */
  dryRun?: boolean;
}

/** Carries the outcome of a dry run out of the transaction it rolls back. */
class DryRunRollback extends Error {
  constructor(readonly results: ImportedJobResult[]) {
    super('dry run');
  }
}

function summaryOf(outcome: ImportedJobResult[]): ImportResult {
  const count = (action: ImportedJobResult['action']) => outcome.filter((result) => result.action === action).length;
  return { created: count('created'), updated: count('updated'), skipped: count('skipped'), jobs: outcome };
}
const SCRIPT_JOB = 'ScriptJob';
const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** Fields a PUT may change, in the order their changes are described in the audit log. */
const CHANGEABLE: Array<keyof UpdateJobDto & keyof JobValues> = [
  'name',
  'job_class_string',
  'pub_args',
  'month',
  'day_of_week',
  'day',
  'hour',
  'minute',
  'second',
  'timezone',
  'paused',
  'max_instances',
  'timeout_seconds',
  'misfire_grace_seconds',
  'coalesce',
];

/** A job's definition in the API's terms, for validation and change descriptions. */
interface JobValues {
  name: string;
  job_class_string: string;
  pub_args: unknown[];
  month: string;
  day_of_week: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  timezone: string;
  paused: boolean;
  max_instances: number;
  timeout_seconds: number;
  misfire_grace_seconds: number;
  coalesce: boolean;
}

/** The definition part of the API's view of a job (without id, owner, next run and timestamps). */
function valuesOf(job: Job): JobValues {
  const {
    job_id: _id,
    next_run_time: _next,
    suspended_reason: _suspended,
    owner: _owner,
    created_time: _created,
    updated_time: _updated,
    ...values
  } = toJobResponse(job);
  return values;
}

function applyValues(job: Job, values: JobValues): void {
  job.name = values.name;
  job.jobClassString = values.job_class_string;
  job.pubArgs = values.pub_args;
  job.month = values.month;
  job.dayOfWeek = values.day_of_week;
  job.day = values.day;
  job.hour = values.hour;
  job.minute = values.minute;
  job.second = values.second;
  job.timezone = values.timezone;
  job.paused = values.paused;
  job.maxInstances = values.max_instances;
  job.timeoutSeconds = values.timeout_seconds;
  job.misfireGraceSeconds = values.misfire_grace_seconds;
  job.coalesce = values.coalesce;
}

const SCHEDULE_FIELDS: Array<keyof JobValues> = ['month', 'day_of_week', 'day', 'hour', 'minute', 'second', 'timezone'];

type ScheduleValues = Pick<JobValues, 'month' | 'day_of_week' | 'day' | 'hour' | 'minute' | 'second' | 'timezone'>;

/** The ORDER BY of a job list: the column, then job_id in the same direction (stable pages). */
function orderByOf(sort: JobSort): string {
  const descending = sort.startsWith('-');
  const direction = descending ? 'DESC' : 'ASC';
  const key = (descending ? sort.slice(1) : sort) as JobSortKey;
  const column: Record<JobSortKey, string> = {
    name: 'j.name',
    job_class_string: 'j.job_class_string',
    next_run_time: 'j.next_run_time',
    owner: 'u.username',
    created_time: 'j.created_time',
  };
  const nulls = key === 'next_run_time' ? ' NULLS LAST' : '';
  return `${column[key]} ${direction}${nulls}, j.id ${direction}`;
}

/** How many fire times a preview shows. */
const PREVIEW_FIRES = 5;

/** The scheduler's schedule, or the 400 messages naming every bad field (or that it never fires). */
function checkSchedule(values: ScheduleValues): CronSchedule | string[] {
  const fields = {
    second: values.second,
    minute: values.minute,
    hour: values.hour,
    day: values.day,
    month: values.month,
    day_of_week: values.day_of_week,
  };
  try {
    return CronSchedule.create(fields, values.timezone);
  } catch (error) {
    if (error instanceof ScheduleError) return error.problems.map((problem) => problem.message);
    throw error;
  }
}

/**
 * Jobs: validated before anything is saved, scoped by the access service, audited in the same
 * transaction, and (un)registered with the scheduler at once after the commit.
 */
@Injectable()
export class JobsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
    private readonly access: AccessService,
    private readonly audit: AuditLogService,
    private readonly classes: JobClassRegistry,
    private readonly timers: JobTimerRegistry,
    private readonly sync: JobSync,
    private readonly scripts: ScriptsService,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly rights: OwnerRights,
  ) {}

  private query(manager: EntityManager = this.dataSource.manager): SelectQueryBuilder<Job> {
    return manager
      .getRepository(Job)
      .createQueryBuilder('job')
      .leftJoin('job.owner', 'owner')
      .addSelect(['owner.id', 'owner.username']);
  }

  private scoped(builder: SelectQueryBuilder<Job>, scope: OwnerScope): SelectQueryBuilder<Job> {
    return scope.kind === 'all'
      ? builder
      : builder.andWhere('job.owner_id = :scopeOwner', { scopeOwner: scope.ownerId });
  }

  /** A job the user may see, or the same 404 as for a missing one. */
  async get(user: AuthUser, id: string): Promise<Job> {
    const job = isUuid(id)
      ? await this.scoped(this.query().where('job.id = :id', { id }), this.access.readScope(user)).getOne()
      : null;
    if (!job) throw notFound(JOB);
    return job;
  }

  /** A job the user may act on: 404 when they cannot see it, 403 when they may only look (view_all). */
  async getForAction(user: AuthUser, id: string): Promise<Job> {
    const job = isUuid(id) ? await this.query().where('job.id = :id', { id }).getOne() : null;
    if (!job) throw notFound(JOB);
    this.access.assertCanSee(user, job.ownerId, JOB);
    this.access.assertCanAct(user, job.ownerId, JOB);
    return job;
  }

  /**
   * One page of jobs in the API's shape, each with its latest execution, and the total: two prepared
   * statements per filter shape and order (the page, read in index order for the default order; the
   * count), no entity hydration — this is the hottest read. The latest execution is one index probe
   * per row of the page (LATERAL over the unique index UQ_executions_job_scheduled), never a query per job.
   */
  async list(user: AuthUser, query: JobsQueryDto): Promise<{ rows: JobListItemResponse[]; total: number }> {
    const scope = this.access.readScope(user);
    if (query.owner_id && scope.kind !== 'all') {
      throw new ForbiddenException('Filtering by owner_id needs view_all');
    }
    const conditions: string[] = [];
    const values: unknown[] = [];
    const shape: string[] = [];
    const ownerId = scope.kind === 'owner' ? ownerCondition(scope).ownerId : query.owner_id;
    if (ownerId) {
      values.push(ownerId);
      conditions.push(`j.owner_id = $${values.length}`);
      shape.push('o');
    }
    if (query.q) {
      values.push(`%${query.q.replace(/[\\%_]/g, '\\$&')}%`);
      conditions.push(`j.name ILIKE $${values.length}`);
      shape.push('q');
    }
    if (query.paused !== undefined) {
      values.push(query.paused);
      conditions.push(`j.paused = $${values.length}`);
      shape.push('p');
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const sort = query.sort ?? 'name';
    const pool = this.pool;
    const [page, count] = await Promise.all([
      pool.query<JobListItemRow>({
        name: `cronwarden_list_jobs_${shape.join('') || 'all'}_${sort.replace('-', 'desc_')}`,
        text: `SELECT ${JOB_LIST_COLUMNS}, u.username AS owner_username,
                      le.id AS last_execution_id, le.state AS last_execution_state,
                      le.scheduled_time AS last_execution_scheduled_time
                 FROM jobs j JOIN users u ON u.id = j.owner_id
                 LEFT JOIN LATERAL (
                   -- (job_id, scheduled_time) is unique: one backward index probe, no tie to break.
                   SELECT e.id, e.state, e.scheduled_time FROM executions e
                    WHERE e.job_id = j.id ORDER BY e.scheduled_time DESC LIMIT 1
                 ) le ON true
                 ${where}
                ORDER BY ${orderByOf(sort)} LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
        values: [...values, query.limit, query.offset],
      }),
      pool.query<{ total: string }>({
        name: `cronwarden_count_jobs_${shape.join('') || 'all'}`,
        text: `SELECT count(*) AS total FROM jobs j ${where}`,
        values,
      }),
    ]);
    return { rows: page.rows.map(jobListItemRowToResponse), total: Number(count.rows[0].total) };
  }

  /**
   * The owners of the jobs the caller may see, with how many each owns (for the owner filter of
   * the Jobs page, without user_manage). Only for callers who see everyone (403 otherwise, as for
   * the owner_id filter).
   */
  async owners(user: AuthUser): Promise<JobOwnerResponse[]> {
    const scope = this.access.readScope(user);
    if (scope.kind !== 'all') throw new ForbiddenException('The owners of jobs are listed only with view_all');
    const rows = await this.dataSource.query<Array<{ id: string; username: string; jobs: string }>>(
      `SELECT u.id, u.username, count(*) AS jobs
         FROM jobs j JOIN users u ON u.id = j.owner_id
        GROUP BY u.id, u.username ORDER BY u.username, u.id`,
    );
    return rows.map((row) => ({ id: row.id, username: row.username, jobs: Number(row.jobs) }));
  }

  /** 403 unless the user holds the extra permission the class requires (code_execute). */
  assertMayUseClass(user: AuthUser, jobClassString: string): void {
    const required = this.classes.get(jobClassString)?.meta.requiresPermission;
    if (required && !hasPermission(user, required)) {
      throw new ForbiddenException(`Jobs of class ${jobClassString} need the ${required} permission`);
    }
  }

  async create(user: AuthUser, dto: CreateJobDto): Promise<Job> {
    this.assertMayUseClass(user, dto.job_class_string);
    const values = this.newValues(dto);
    const ownerId = user.isAdmin && dto.owner_id ? await this.existingUser(dto.owner_id) : user.id;
    const schedule = await this.validate(values, ownerId);

    const id = await this.dataSource.transaction(async (manager) => {
      await this.assertUnderJobLimit(manager, user, ownerId);
      return (await this.insert(manager, user, ownerId, values, schedule)).id;
    });
    const job = await this.query().where('job.id = :id', { id }).getOneOrFail();
    this.timers.register(job);
    return job;
  }

  /**
   * The definitions of the jobs the caller may see (filters as for the list), by name: what an import
   * takes back.
   */
  async export(user: AuthUser, query: ExportJobsQueryDto): Promise<ExportedJob[]> {
    const scope = this.access.readScope(user);
    if (query.owner_id && scope.kind !== 'all') {
      throw new ForbiddenException('Filtering by owner_id needs view_all');
    }
    const builder = this.scoped(this.query(), scope);
    if (query.owner_id) builder.andWhere('job.owner_id = :ownerId', { ownerId: query.owner_id });
    if (query.q) builder.andWhere('job.name ILIKE :q', { q: `%${query.q.replace(/[\\%_]/g, '\\$&')}%` });
    if (query.paused !== undefined) builder.andWhere('job.paused = :paused', { paused: query.paused });
    const jobs = await builder.orderBy('job.name', 'ASC').addOrderBy('job.id', 'ASC').getMany();
    return jobs.map(valuesOf);
  }

  /**
   * Creates (or, by `onConflict`, skips or updates) jobs owned by the caller: every job is checked
   * first exactly as POST /jobs checks one (400 naming `jobs[i].field`), then all are written in one
   * transaction (audited, announced), and scheduled at once after the commit. A job matches one of
   * the caller's own by name. The code_execute check of the classes happens before (in the guard);
   * it is repeated here for callers that are not HTTP requests (the CLI).
   */
  async importJobs(
    user: AuthUser,
    items: Array<Record<string, unknown>>,
    onConflict: OnConflict = 'fail',
    options: ImportOptions = {},
  ): Promise<ImportResult> {
    const ownerId = options.ownerId ?? user.id;
    for (const item of items) {
      if (typeof item.job_class_string === 'string') this.assertMayUseClass(user, item.job_class_string);
    }
    const problems: string[] = [];
    const checked: Array<{ values: JobValues; schedule: CronSchedule }> = [];
    const firstIndexOf = new Map<string, number>();
    for (const [index, item] of items.entries()) {
      const name = item.name;
      const earlier = typeof name === 'string' ? firstIndexOf.get(name) : undefined;
      if (typeof name === 'string' && earlier === undefined) firstIndexOf.set(name, index);
      const dto = importedJobOf(item, index);
      if (earlier !== undefined) {
        problems.push(
          `jobs[${index}].name ${JSON.stringify(name)} is also the name of jobs[${earlier}]: names match jobs`,
        );
      }
      if (Array.isArray(dto)) {
        problems.push(...dto);
        continue;
      }
      if (earlier !== undefined) continue;
      const values = this.newValues(dto);
      try {
        checked.push({ values, schedule: await this.validate(values, ownerId) });
      } catch (error) {
        if (!(error instanceof BadRequestException)) throw error;
        const messages = (error.getResponse() as { message: string[] }).message;
        problems.push(...messages.map((message) => `jobs[${index}].${message}`));
      }
    }
    if (problems.length > 0) throw new BadRequestException(problems);

    const outcome = await this.dataSource
      .transaction(async (manager) => {
        const existing = await manager.find(Job, {
          where: { ownerId, name: In(checked.map(({ values }) => values.name)) },
          order: { createdTime: 'ASC' },
        });
        const byName = new Map<string, Job[]>();
        for (const job of existing) byName.set(job.name, [...(byName.get(job.name) ?? []), job]);
        const conflicts = checked.filter(({ values }) => byName.has(values.name)).map(({ values }) => values.name);
        if (conflicts.length > 0 && onConflict === 'fail') {
          throw new ConflictException(
            `You have jobs named ${conflicts.map((name) => JSON.stringify(name)).join(', ')} already: ` +
              'import with on_conflict=skip or on_conflict=update',
          );
        }
        if (onConflict === 'update') {
          const ambiguous = conflicts.filter((name) => (byName.get(name) ?? []).length > 1);
          if (ambiguous.length > 0) {
            throw new ConflictException(
              `You have more than one job named ${ambiguous.map((name) => JSON.stringify(name)).join(', ')}: ` +
                'an update cannot tell which one is meant',
            );
          }
          if (conflicts.length > 0 && !hasPermission(user, 'job_modify')) {
            throw new ForbiddenException(
              'on_conflict=update changes existing jobs: it needs the job_modify permission',
            );
          }
        }
        const adding = checked.length - conflicts.length;
        if (adding > 0) await this.assertUnderJobLimit(manager, user, ownerId, adding);
        const results: ImportedJobResult[] = [];
        for (const { values, schedule } of checked) {
          const match = byName.get(values.name)?.[0];
          if (!match) {
            const job = await this.insert(manager, user, ownerId, values, schedule);
            results.push({ job_id: job.id, name: job.name, action: 'created' });
          } else if (onConflict === 'update') {
            this.assertMayUseClass(user, match.jobClassString);
            const changed = await this.change(manager, user, match, valuesOf(match), values, schedule);
            results.push({ job_id: match.id, name: match.name, action: changed ? 'updated' : 'skipped' });
          } else {
            results.push({ job_id: match.id, name: match.name, action: 'skipped' });
          }
        }
        // A dry run has done every check and every write; rolling them back leaves nothing (not even a NOTIFY).
        if (options.dryRun) throw new DryRunRollback(results);
        return results;
      })
      .catch((error: unknown) => {
        if (error instanceof DryRunRollback) return error.results;
        throw error;
      });
    if (options.dryRun) return summaryOf(outcome);
    const written = outcome.filter((result) => result.action !== 'skipped').map((result) => result.job_id);
    if (written.length > 0) {
      const jobs = await this.query().where('job.id IN (:...ids)', { ids: written }).getMany();
      for (const job of jobs) this.timers.reschedule(job);
    }
    return summaryOf(outcome);
  }

  /** A new job's definition: the fields given, the API's defaults for the others. */
  private newValues(dto: ImportedJobDto): JobValues {
    return {
      name: dto.name,
      job_class_string: dto.job_class_string,
      pub_args: dto.pub_args ?? [],
      ...this.scheduleWithDefaults(dto),
      paused: dto.paused ?? false,
      max_instances: dto.max_instances ?? 3,
      timeout_seconds: dto.timeout_seconds ?? this.config.get('jobs.defaultTimeoutSeconds', { infer: true }),
      misfire_grace_seconds: dto.misfire_grace_seconds ?? 3600,
      coalesce: dto.coalesce ?? true,
    };
  }

  /** Saves a new, validated job in `manager`'s transaction: reviewed, audited `added`, announced. */
  private async insert(
    manager: EntityManager,
    user: AuthUser,
    ownerId: string,
    values: JobValues,
    schedule: CronSchedule,
  ): Promise<Job> {
    const job = manager.create(Job, { ownerId });
    applyValues(job, values);
    job.nextRunTime = values.paused ? null : schedule.nextAfter(new Date());
    await manager.save(job);
    await this.reviewRights(manager, user, job);
    await this.record(manager, 'added', user, job, `added ${job.jobClassString} job "${job.name}"`);
    await this.sync.announce(manager, job.id);
    return job;
  }

  /**
   * The next fires of a schedule, by the scheduler's own code, validated exactly as for a job (the
   * same 400 messages); nothing is saved.
   */
  preview(dto: PreviewScheduleDto): Date[] {
    const schedule = checkSchedule(this.scheduleWithDefaults(dto));
    if (Array.isArray(schedule)) throw new BadRequestException(schedule);
    const fires: Date[] = [];
    let after = new Date();
    while (fires.length < PREVIEW_FIRES) {
      const next = schedule.nextAfter(after);
      if (next === null) break;
      fires.push(next);
      after = next;
    }
    return fires;
  }

  /** The schedule of a new job: the fields given, the API's defaults for the others. */
  private scheduleWithDefaults(dto: Partial<ScheduleValues>): ScheduleValues {
    return {
      month: dto.month ?? '*',
      day_of_week: dto.day_of_week ?? '*',
      day: dto.day ?? '*',
      hour: dto.hour ?? '*',
      minute: dto.minute ?? '*',
      second: dto.second ?? '0',
      timezone: dto.timezone ?? this.config.get('timezone', { infer: true }),
    };
  }

  async update(user: AuthUser, id: string, dto: UpdateJobDto): Promise<Job> {
    const current = await this.getForAction(user, id);
    if (dto.job_class_string !== undefined) this.assertMayUseClass(user, dto.job_class_string);
    this.assertMayUseClass(user, current.jobClassString);
    const before = valuesOf(current);
    const after: JobValues = { ...before };
    for (const field of CHANGEABLE) {
      const value = dto[field];
      if (value !== undefined) (after as unknown as Record<string, unknown>)[field] = value;
    }
    const newOwner = user.isAdmin && dto.owner_id ? await this.existingUser(dto.owner_id) : undefined;
    const schedule = await this.validate(after, newOwner ?? current.ownerId);

    await this.dataSource.transaction(async (manager) => {
      const job = await manager.findOneByOrFail(Job, { id });
      await this.change(manager, user, job, before, after, schedule, newOwner);
    });
    const job = await this.query().where('job.id = :id', { id }).getOneOrFail();
    this.timers.reschedule(job);
    return job;
  }

  /**
   * Writes a validated change of `job` in `manager`'s transaction: audited `modified` with what changed,
   * announced. False when nothing changed (nothing written).
   */
  private async change(
    manager: EntityManager,
    user: AuthUser,
    job: Job,
    before: JobValues,
    after: JobValues,
    schedule: CronSchedule,
    newOwner?: string,
  ): Promise<boolean> {
    const changes = CHANGEABLE.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field])).map(
      (field) => `${field}: ${JSON.stringify(before[field])} → ${JSON.stringify(after[field])}`,
    );
    if (newOwner && newOwner !== job.ownerId) {
      changes.push(`owner_id: ${job.ownerId} → ${newOwner}`);
      job.ownerId = newOwner;
    }
    if (changes.length === 0) return false;
    const scheduleChanged = SCHEDULE_FIELDS.some((field) => before[field] !== after[field]);
    applyValues(job, after);
    if (after.paused) job.nextRunTime = null;
    else if (scheduleChanged || before.paused || !job.nextRunTime) job.nextRunTime = schedule.nextAfter(new Date());
    await manager.save(job);
    await this.reviewRights(manager, user, job);
    await this.record(manager, 'modified', user, job, changes.join('; '));
    await this.sync.announce(manager, job.id);
    return true;
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    const job = await this.getForAction(user, id);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(Job, { id: job.id });
      await this.record(manager, 'deleted', user, job, `deleted job "${job.name}"; its executions are kept`);
      await this.sync.announce(manager, job.id);
    });
    this.timers.unregister(job.id);
  }

  async pause(user: AuthUser, id: string): Promise<Job> {
    return this.setPaused(user, id, true);
  }

  async resume(user: AuthUser, id: string): Promise<Job> {
    return this.setPaused(user, id, false);
  }

  private async setPaused(user: AuthUser, id: string, paused: boolean): Promise<Job> {
    const current = await this.getForAction(user, id);
    if (current.paused !== paused) {
      await this.dataSource.transaction(async (manager) => {
        const job = await manager.findOneByOrFail(Job, { id });
        job.paused = paused;
        job.nextRunTime = paused ? null : CronSchedule.create(cronFieldsOf(job), job.timezone).nextAfter(new Date());
        await manager.save(job);
        await this.record(manager, paused ? 'paused' : 'resumed', user, job, paused ? 'paused' : 'resumed');
        await this.sync.announce(manager, job.id);
      });
    }
    const job = await this.query().where('job.id = :id', { id }).getOneOrFail();
    this.timers.reschedule(job);
    return job;
  }

  /**
   * Class, arguments (a ScriptJob's script must be one its owner can see) and schedule, all checked
   * before anything is saved: 400 naming every bad field.
   */
  private async validate(values: JobValues, ownerId: string): Promise<CronSchedule> {
    const problems: string[] = [];
    const jobClass = this.classes.get(values.job_class_string);
    if (!jobClass) {
      problems.push(`job_class_string must be one of: ${this.classes.names().join(', ')}`);
    } else {
      const argumentProblem = this.classes.argumentProblem(jobClass.meta, values.pub_args);
      if (argumentProblem) problems.push(argumentProblem);
      else if (
        values.job_class_string === SCRIPT_JOB &&
        !(await this.scripts.isUsableBy(String(values.pub_args[0]), ownerId))
      ) {
        problems.push("pub_args[0] (script_id) does not name a script the job's owner can use");
      }
    }
    const schedule = checkSchedule(values);
    if (Array.isArray(schedule)) problems.push(...schedule);
    if (problems.length > 0 || Array.isArray(schedule)) throw new BadRequestException(problems);
    return schedule;
  }

  /**
   * An admin may give a job to a user who is disabled or lacks the permission its class needs: the
   * job is then suspended from the start (suspended_reason), and a change that makes it runnable
   * again lifts that. Only looked at when it can matter (another owner, a class needing a
   * permission, or a job suspended already): the caller's own rights were checked before.
   */
  private async reviewRights(manager: EntityManager, user: AuthUser, job: Job): Promise<void> {
    const mayMatter =
      job.ownerId !== user.id ||
      Boolean(job.suspendedReason) ||
      this.classes.requiredPermissionOf(job.jobClassString) !== undefined;
    if (mayMatter) await this.rights.review({ jobId: job.id }, manager);
  }

  /** MAX_JOBS_PER_USER for jobs owned by non-admins (429 past it); serialised per owner. */
  private async assertUnderJobLimit(
    manager: EntityManager,
    user: AuthUser,
    ownerId: string,
    adding = 1,
  ): Promise<void> {
    if (user.isAdmin && ownerId === user.id) return;
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`jobs-of:${ownerId}`]);
    const max = this.config.get('limits.maxJobsPerUser', { infer: true });
    const owned = await manager.count(Job, { where: { ownerId } });
    if (owned + adding > max) {
      throw new HttpException(
        {
          statusCode: 429,
          message:
            adding === 1
              ? `The owner already has ${owned} jobs: the limit is ${max} (MAX_JOBS_PER_USER)`
              : `The owner has ${owned} jobs and ${adding} more would pass the limit of ${max} (MAX_JOBS_PER_USER)`,
          error: 'Too Many Requests',
        },
        429,
      );
    }
  }

  private async existingUser(id: string): Promise<string> {
    if (!(await this.dataSource.getRepository(User).existsBy({ id }))) {
      throw new BadRequestException(['owner_id does not name a user']);
    }
    return id;
  }

  /** Job events belong to the job's owner (who sees an admin's change), with the acting user as actor. */
  private record(
    manager: EntityManager,
    event: AuditEvent,
    user: AuthUser,
    job: Job,
    description: string,
  ): Promise<void> {
    return this.audit.record(
      { event, actor: actorOf(user), ownerId: job.ownerId, jobId: job.id, jobName: job.name, description },
      manager,
    );
  }
}
