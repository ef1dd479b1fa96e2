import { BadRequestException, ConflictException, ForbiddenException, HttpException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccessService, notFound } from '../access/access.service.js';
import { type AuthUser, hasPermission } from '../access/auth-user.js';
import { ownScope } from '../access/owner-scope.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { AuditEvent } from '../audit-logs/audit-events.js';
import type { AppConfig } from '../config/app-config.js';
import { JobClassRegistry } from '../job-classes/job-class.registry.js';
import { ScheduleError } from '../scheduler/cron-schedule.js';
import { type Schedule, scheduleOf } from '../scheduler/schedule.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import { ScriptsService } from '../scripts/scripts.service.js';
import { JobsRepository, type JobWithOwner } from '../database/repositories/jobs.repository.js';
import { UsersRepository } from '../database/repositories/users.repository.js';
import { type Transaction, Transactions } from '../database/transactions.js';
import {
  type ExportedJob,
  type ExportJobsQueryDto,
  type ImportedJobDto,
  importedJobOf,
  type JobImportResponse,
  type OnConflict,
} from './dto/job-import.dto.js';
import type { CreateJobDto, PreviewScheduleDto, UpdateJobDto } from './dto/job.dto.js';
import { type JobListItemResponse, type JobOwnerResponse, toJobResponse } from './dto/job.response.js';
import type { JobsQueryDto } from './dto/jobs.query.js';
import {
  type GivenTriggerFields,
  isoOrNull,
  normaliseTrigger,
  type TriggerValues,
  triggerProblems,
} from './job-trigger.js';

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
  'trigger',
  'interval_seconds',
  'run_date',
  'start_date',
  'end_date',
  'jitter_seconds',
  'retries',
  'retry_delay_seconds',
  'retry_backoff',
  'retry_delay_max_seconds',
];

/** A job's definition in the API's terms, for validation and change descriptions. */
interface JobValues extends TriggerValues {
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
  jitter_seconds: number;
  retries: number;
  retry_delay_seconds: number;
  retry_backoff: boolean;
  retry_delay_max_seconds: number;
}

const dateOrNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/** The definition part of the API's view of a job (without id, owner, next run and timestamps). */
function valuesOf(job: JobWithOwner): JobValues {
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

/** The columns of a job holding `values`. */
function recordOf(values: JobValues): JobRecordValues {
  return {
    name: values.name,
    jobClassString: values.job_class_string,
    pubArgs: values.pub_args,
    month: values.month,
    dayOfWeek: values.day_of_week,
    day: values.day,
    hour: values.hour,
    minute: values.minute,
    second: values.second,
    timezone: values.timezone,
    paused: values.paused,
    maxInstances: values.max_instances,
    timeoutSeconds: values.timeout_seconds,
    misfireGraceSeconds: values.misfire_grace_seconds,
    coalesce: values.coalesce,
    trigger: values.trigger,
    intervalSeconds: values.interval_seconds,
    runDate: dateOrNull(values.run_date),
    startDate: dateOrNull(values.start_date),
    endDate: dateOrNull(values.end_date),
    jitterSeconds: values.jitter_seconds,
    retries: values.retries,
    retryDelaySeconds: values.retry_delay_seconds,
    retryBackoff: values.retry_backoff,
    retryDelayMaxSeconds: values.retry_delay_max_seconds,
  };
}

type JobRecordValues = Pick<
  JobWithOwner,
  | 'name'
  | 'jobClassString'
  | 'pubArgs'
  | 'month'
  | 'dayOfWeek'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'timezone'
  | 'paused'
  | 'maxInstances'
  | 'timeoutSeconds'
  | 'misfireGraceSeconds'
  | 'coalesce'
  | 'trigger'
  | 'intervalSeconds'
  | 'runDate'
  | 'startDate'
  | 'endDate'
  | 'jitterSeconds'
  | 'retries'
  | 'retryDelaySeconds'
  | 'retryBackoff'
  | 'retryDelayMaxSeconds'
>;

const SCHEDULE_FIELDS: Array<keyof JobValues> = [
  'month',
  'day_of_week',
  'day',
  'hour',
  'minute',
  'second',
  'timezone',
  'trigger',
  'interval_seconds',
  'run_date',
  'start_date',
  'end_date',
];

type ScheduleValues = TriggerValues & Pick<JobValues, 'timezone'>;

/** How many fire times a preview shows. */
const PREVIEW_FIRES = 5;

/**
 * The scheduler's schedule, or the 400 messages naming every bad field (or that it never fires):
 * `values` as they will be stored, `given` the request's fields (for the trigger rules).
 */
function checkSchedule(values: ScheduleValues, given: GivenTriggerFields): Schedule | string[] {
  const problems = triggerProblems(values, given);
  if (problems.length > 0) return problems;
  const stored = normaliseTrigger(values);
  try {
    return scheduleOf(
      {
        trigger: stored.trigger,
        second: stored.second,
        minute: stored.minute,
        hour: stored.hour,
        day: stored.day,
        month: stored.month,
        dayOfWeek: stored.day_of_week,
        timezone: stored.timezone,
        intervalSeconds: stored.interval_seconds,
        runDate: dateOrNull(stored.run_date),
        startDate: dateOrNull(stored.start_date),
        endDate: dateOrNull(stored.end_date),
      },
      { validate: true },
    );
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
    private readonly jobs: JobsRepository,
    private readonly users: UsersRepository,
    private readonly transactions: Transactions,
    private readonly access: AccessService,
    private readonly audit: AuditLogService,
    private readonly classes: JobClassRegistry,
    private readonly scheduler: SchedulerFacade,
    private readonly scripts: ScriptsService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** A job the user may see, or the same 404 as for a missing one. */
  async get(user: AuthUser, id: string): Promise<JobWithOwner> {
    const job = await this.jobs.findById(this.access.readScope(user), id);
    if (!job) throw notFound(JOB);
    return job;
  }

  /** A job the user may act on: 404 when they cannot see it, 403 when they may only look (view_all). */
  async getForAction(user: AuthUser, id: string): Promise<JobWithOwner> {
    const job = await this.get(user, id);
    this.access.assertCanAct(user, job.ownerId, JOB);
    return job;
  }

  /**
   * One page of jobs in the API's shape, each with its latest execution, and the total (two prepared
   * statements, see {@link JobsRepository.listPage}).
   */
  async list(user: AuthUser, query: JobsQueryDto): Promise<{ rows: JobListItemResponse[]; total: number }> {
    const scope = this.access.readScope(user);
    if (query.owner_id && scope.kind !== 'all') {
      throw new ForbiddenException('Filtering by owner_id needs view_all');
    }
    const { items, total } = await this.jobs.listPage(
      scope,
      { ownerId: query.owner_id, q: query.q, paused: query.paused },
      { sort: query.sort ?? 'name', limit: query.limit, offset: query.offset },
    );
    // Object.assign rather than a spread: one object per row on the hottest read.
    const rows = items.map(({ job, lastExecution }) =>
      Object.assign(toJobResponse(job), {
        last_execution: lastExecution
          ? {
              execution_id: lastExecution.id,
              state: lastExecution.state,
              scheduled_time: lastExecution.scheduledTime.toISOString(),
            }
          : null,
      }),
    );
    return { rows, total };
  }

  /**
   * The owners of the jobs the caller may see, with how many each owns (for the owner filter of
   * the Jobs page, without user_manage). Only for callers who see everyone (403 otherwise, as for
   * the owner_id filter).
   */
  async owners(user: AuthUser): Promise<JobOwnerResponse[]> {
    const scope = this.access.readScope(user);
    if (scope.kind !== 'all') throw new ForbiddenException('The owners of jobs are listed only with view_all');
    return this.jobs.countByOwner(scope);
  }

  /**
   * 403 unless the user holds the extra permission the class requires (code_execute). Asked of every
   * class that exists, enabled or not: a disabled class (no sandbox) still needs its permission.
   */
  assertMayUseClass(user: AuthUser, jobClassString: string): void {
    const required = this.classes.requiredPermissionOf(jobClassString);
    if (required && !hasPermission(user, required)) {
      throw new ForbiddenException(`Jobs of class ${jobClassString} need the ${required} permission`);
    }
  }

  async create(user: AuthUser, dto: CreateJobDto): Promise<JobWithOwner> {
    this.assertMayUseClass(user, dto.job_class_string);
    const values = this.newValues(dto);
    const owner = user.isAdmin && dto.owner_id ? await this.existingUser(dto.owner_id) : actorAsOwner(user);
    const schedule = await this.validate(values, owner.id, dto);

    const job = await this.transactions.run(async (transaction) => {
      await this.assertUnderJobLimit(transaction, user, owner.id);
      return this.insert(transaction, user, owner, values, schedule);
    });
    this.scheduler.register(job);
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
    const jobs = await this.jobs.listByName(scope, { ownerId: query.owner_id, q: query.q, paused: query.paused });
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
    const checked: Array<{ values: JobValues; schedule: Schedule }> = [];
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
        checked.push({ values, schedule: await this.validate(values, ownerId, dto) });
      } catch (error) {
        if (!(error instanceof BadRequestException)) throw error;
        const messages = (error.getResponse() as { message: string[] }).message;
        problems.push(...messages.map((message) => `jobs[${index}].${message}`));
      }
    }
    if (problems.length > 0) throw new BadRequestException(problems);

    const owner = { id: ownerId, username: '' };
    const outcome = await this.transactions
      .run(async (transaction) => {
        const existing = await this.jobs.findByNames(
          ownScope(ownerId),
          checked.map(({ values }) => values.name),
          transaction,
        );
        const byName = new Map<string, JobWithOwner[]>();
        for (const job of existing) byName.set(job.name, [...(byName.get(job.name) ?? []), { ...job, owner }]);
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
        if (adding > 0) await this.assertUnderJobLimit(transaction, user, ownerId, adding);
        const results: ImportedJobResult[] = [];
        for (const { values, schedule } of checked) {
          const match = byName.get(values.name)?.[0];
          if (!match) {
            const job = await this.insert(transaction, user, owner, values, schedule);
            results.push({ job_id: job.id, name: job.name, action: 'created' });
          } else if (onConflict === 'update') {
            this.assertMayUseClass(user, match.jobClassString);
            const changed = await this.change(transaction, user, match, values, schedule);
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
      for (const job of await this.jobs.findByIds(ownScope(ownerId), written)) this.scheduler.reschedule(job);
    }
    return summaryOf(outcome);
  }

  /** A new job's definition: the fields given, the API's defaults for the others. */
  private newValues(dto: ImportedJobDto): JobValues {
    return normaliseTrigger({
      name: dto.name,
      job_class_string: dto.job_class_string,
      pub_args: dto.pub_args ?? [],
      ...this.scheduleWithDefaults(dto),
      paused: dto.paused ?? false,
      max_instances: dto.max_instances ?? 3,
      timeout_seconds: dto.timeout_seconds ?? this.config.get('jobs.defaultTimeoutSeconds', { infer: true }),
      misfire_grace_seconds: dto.misfire_grace_seconds ?? 3600,
      coalesce: dto.coalesce ?? true,
      jitter_seconds: dto.jitter_seconds ?? 0,
      retries: dto.retries ?? 0,
      retry_delay_seconds: dto.retry_delay_seconds ?? 30,
      retry_backoff: dto.retry_backoff ?? true,
      retry_delay_max_seconds: dto.retry_delay_max_seconds ?? 3600,
    });
  }

  /** Saves a new, validated job in the transaction: reviewed, audited `added`, announced. */
  private async insert(
    transaction: Transaction,
    user: AuthUser,
    owner: { id: string; username: string },
    values: JobValues,
    schedule: Schedule,
  ): Promise<JobWithOwner> {
    const saved = await this.jobs.insert(
      {
        ...recordOf(values),
        ownerId: owner.id,
        nextRunTime: values.paused ? null : schedule.nextAfter(new Date()),
        suspendedReason: null,
      },
      transaction,
    );
    const job: JobWithOwner = { ...saved, owner };
    if (await this.reviewRights(transaction, user, job)) {
      job.suspendedReason = await this.jobs.suspendedReasonOf(job.id, transaction);
    }
    await this.record(transaction, 'added', user, job, `added ${job.jobClassString} job "${job.name}"`);
    await this.scheduler.announce(transaction, job.id);
    return job;
  }

  /**
   * The next fires of a schedule, by the scheduler's own code, validated exactly as for a job (the
   * same 400 messages); nothing is saved.
   */
  preview(dto: PreviewScheduleDto): Date[] {
    const schedule = checkSchedule(normaliseTrigger(this.scheduleWithDefaults(dto)), dto);
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
  private scheduleWithDefaults(dto: PreviewScheduleDto): ScheduleValues {
    return {
      trigger: dto.trigger ?? 'cron',
      interval_seconds: dto.interval_seconds ?? null,
      run_date: isoOrNull(dto.run_date),
      start_date: isoOrNull(dto.start_date),
      end_date: isoOrNull(dto.end_date),
      month: dto.month ?? '*',
      day_of_week: dto.day_of_week ?? '*',
      day: dto.day ?? '*',
      hour: dto.hour ?? '*',
      minute: dto.minute ?? '*',
      second: dto.second ?? '0',
      timezone: dto.timezone ?? this.config.get('timezone', { infer: true }),
    };
  }

  /**
   * Changes `current`, a job the guards loaded and let the user act on (see {@link getForAction}):
   * nothing here reads it again.
   */
  async update(user: AuthUser, current: JobWithOwner, dto: UpdateJobDto): Promise<JobWithOwner> {
    if (dto.job_class_string !== undefined) this.assertMayUseClass(user, dto.job_class_string);
    this.assertMayUseClass(user, current.jobClassString);
    let after: JobValues = { ...valuesOf(current) };
    for (const field of CHANGEABLE) {
      const value = dto[field];
      if (value !== undefined) (after as unknown as Record<string, unknown>)[field] = value;
    }
    after.run_date = isoOrNull(after.run_date);
    after.start_date = isoOrNull(after.start_date);
    after.end_date = isoOrNull(after.end_date);
    after = normaliseTrigger(after);
    const newOwner = user.isAdmin && dto.owner_id ? await this.existingUser(dto.owner_id) : undefined;
    const schedule = await this.validate(after, newOwner?.id ?? current.ownerId, dto);

    const job: JobWithOwner = { ...current, owner: { ...current.owner } };
    await this.transactions.run((transaction) => this.change(transaction, user, job, after, schedule, newOwner));
    this.scheduler.reschedule(job);
    return job;
  }

  /**
   * Writes a validated change of `job` in the transaction (only the columns that change): audited
   * `modified` with what changed, announced; `job` is brought up to date. False when nothing changed
   * (nothing written).
   */
  private async change(
    transaction: Transaction,
    user: AuthUser,
    job: JobWithOwner,
    after: JobValues,
    schedule: Schedule,
    newOwner?: { id: string; username: string },
  ): Promise<boolean> {
    const before = valuesOf(job);
    const changes = CHANGEABLE.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field])).map(
      (field) => `${field}: ${JSON.stringify(before[field])} → ${JSON.stringify(after[field])}`,
    );
    const ownerChanged = newOwner !== undefined && newOwner.id !== job.ownerId;
    if (ownerChanged) changes.push(`owner_id: ${job.ownerId} → ${newOwner.id}`);
    if (changes.length === 0) return false;
    const scheduleChanged = SCHEDULE_FIELDS.some((field) => before[field] !== after[field]);
    const patch: Parameters<JobsRepository['update']>[1] = {};
    const next = recordOf(after);
    for (const field of Object.keys(next) as Array<keyof JobRecordValues>) {
      if (JSON.stringify(next[field]) !== JSON.stringify(job[field])) Object.assign(patch, { [field]: next[field] });
    }
    if (ownerChanged) patch.ownerId = newOwner.id;
    if (after.paused) patch.nextRunTime = null;
    else if (scheduleChanged || before.paused || !job.nextRunTime) patch.nextRunTime = schedule.nextAfter(new Date());
    const updatedTime = await this.jobs.update(job.id, patch, transaction);
    Object.assign(job, patch, updatedTime ? { updatedTime } : {});
    if (ownerChanged) job.owner = { ...newOwner };
    if (await this.reviewRights(transaction, user, job)) {
      job.suspendedReason = await this.jobs.suspendedReasonOf(job.id, transaction);
    }
    await this.record(transaction, 'modified', user, job, changes.join('; '));
    await this.scheduler.announce(transaction, job.id);
    return true;
  }

  /** Deletes `job` (loaded and checked by the guards); its executions are kept. */
  async remove(user: AuthUser, job: JobWithOwner): Promise<void> {
    await this.transactions.run(async (transaction) => {
      await this.jobs.delete(job.id, transaction);
      await this.record(transaction, 'deleted', user, job, `deleted job "${job.name}"; its executions are kept`);
      await this.scheduler.announce(transaction, job.id);
    });
    this.scheduler.unregister(job.id);
  }

  async pause(user: AuthUser, job: JobWithOwner): Promise<JobWithOwner> {
    return this.setPaused(user, job, true);
  }

  async resume(user: AuthUser, job: JobWithOwner): Promise<JobWithOwner> {
    return this.setPaused(user, job, false);
  }

  private async setPaused(user: AuthUser, current: JobWithOwner, paused: boolean): Promise<JobWithOwner> {
    const job: JobWithOwner = { ...current, owner: { ...current.owner } };
    if (job.paused !== paused) {
      await this.transactions.run(async (transaction) => {
        const patch = {
          paused,
          nextRunTime: paused ? null : scheduleOf(job).nextAfter(new Date()),
        };
        const updatedTime = await this.jobs.update(job.id, patch, transaction);
        Object.assign(job, patch, updatedTime ? { updatedTime } : {});
        await this.record(transaction, paused ? 'paused' : 'resumed', user, job, paused ? 'paused' : 'resumed');
        await this.scheduler.announce(transaction, job.id);
      });
    }
    this.scheduler.reschedule(job);
    return job;
  }

  /**
   * Class, arguments (a ScriptJob's script must be one its owner can see) and schedule, all checked
   * before anything is saved: 400 naming every bad field.
   */
  private async validate(values: JobValues, ownerId: string, given: GivenTriggerFields): Promise<Schedule> {
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
    const schedule = checkSchedule(values, given);
    if (Array.isArray(schedule)) problems.push(...schedule);
    if (problems.length > 0 || Array.isArray(schedule)) throw new BadRequestException(problems);
    return schedule;
  }

  /**
   * An admin may give a job to a user who is disabled or lacks the permission its class needs: the
   * job is then suspended from the start (suspended_reason), and a change that makes it runnable
   * again lifts that. Only looked at when it can matter (another owner, a class needing a
   * permission, or a job suspended already): the caller's own rights were checked before. True when
   * the review changed the job's suspended_reason.
   */
  private async reviewRights(transaction: Transaction, user: AuthUser, job: JobWithOwner): Promise<boolean> {
    const mayMatter =
      job.ownerId !== user.id ||
      Boolean(job.suspendedReason) ||
      this.classes.requiredPermissionOf(job.jobClassString) !== undefined;
    if (!mayMatter) return false;
    return this.scheduler.reviewRights(job.id, transaction);
  }

  /** MAX_JOBS_PER_USER for jobs owned by non-admins (429 past it); serialised per owner. */
  private async assertUnderJobLimit(
    transaction: Transaction,
    user: AuthUser,
    ownerId: string,
    adding = 1,
  ): Promise<void> {
    if (user.isAdmin && ownerId === user.id) return;
    const scope = ownScope(ownerId) as ReturnType<typeof ownScope> & { kind: 'owner' };
    const owned = await this.jobs.lockAndCountOwned(scope, transaction);
    const max = this.config.get('limits.maxJobsPerUser', { infer: true });
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

  private async existingUser(id: string): Promise<{ id: string; username: string }> {
    const username = await this.users.usernameOf(id);
    if (username === null) throw new BadRequestException(['owner_id does not name a user']);
    return { id, username };
  }

  /** Job events belong to the job's owner (who sees an admin's change), with the acting user as actor. */
  private record(
    transaction: Transaction,
    event: AuditEvent,
    user: AuthUser,
    job: JobWithOwner,
    description: string,
  ): Promise<void> {
    return this.audit.record(
      { event, actor: actorOf(user), ownerId: job.ownerId, jobId: job.id, jobName: job.name, description },
      transaction,
    );
  }
}

/** The caller as a job's owner (their own jobs). */
function actorAsOwner(user: AuthUser): { id: string; username: string } {
  return { id: user.id, username: user.username };
}
