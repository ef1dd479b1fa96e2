import { randomUUID } from 'node:crypto';
import { BadRequestException, ForbiddenException, HttpException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type AuthUser, hasPermission } from '../access/auth-user.js';
import { ownScope } from '../access/owner-scope.js';
import { actorOf, auditRowOf } from '../audit-logs/audit-log.service.js';
import type { AuditEvent } from '../audit-logs/audit-events.js';
import type { AppConfig } from '../config/app-config.js';
import { JobClassRegistry } from '../job-classes/job-class.registry.js';
import { cronFieldsWithDefaults } from '../scheduler/cron-schedule.js';
import { type Schedule, scheduleOf } from '../scheduler/schedule.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import { ScriptsService } from '../scripts/scripts.service.js';
import { JobsRepository, type JobWithOwner } from '../database/repositories/jobs.repository.js';
import { UsersRepository } from '../database/repositories/users.repository.js';
import type { WriteRecord } from '../database/repositories/write-record.sql.js';
import type { Transaction } from '../database/transactions.js';
import type { ImportedJobDto } from './dto/job-import.dto.js';
import type { PreviewScheduleDto } from './dto/job.dto.js';
import { type GivenTriggerFields, isoOrNull, normaliseTrigger } from './job-trigger.js';
import {
  checkSchedule,
  DEFINITION_FIELDS,
  type JobRecordValues,
  type JobValues,
  recordOf,
  SCHEDULE_FIELDS,
  type ScheduleValues,
  valuesOf,
} from './job-values.js';

const SCRIPT_JOB = 'ScriptJob';

/**
 * The most jobs a new job's owner may have (MAX_JOBS_PER_USER), and how a creation holds it: `shared`
 * (the first try) lets creations for one owner run side by side while the owner is far from the limit;
 * `exact` counts them one after the other (see {@link JobWriter.insert}).
 */
export interface JobLimit {
  max: number;
  check: 'shared' | 'exact';
}

/**
 * Thrown by a `shared` insert when the owner is too near the limit for it (nothing written: the
 * transaction rolls back); the caller tries again with the `exact` check.
 */
export class NearJobLimitError extends Error {
  constructor() {
    super('The owner is near MAX_JOBS_PER_USER: the limit must be checked exactly');
  }
}

/** What decides whether a write must review the owner's rights. */
type ReviewedFields = Pick<JobWithOwner, 'ownerId' | 'suspendedReason' | 'jobClassString'>;

/**
 * The steps of a job write, each inside the caller's transaction: the checks (class permission,
 * definition, job limit) and the writes (insert, change, pause or resume, delete), each reviewed
 * for its owner's rights, audited and announced in that transaction. The services decide which
 * steps a request takes; none of them words an audit entry or reads a row it was given.
 */
@Injectable()
export class JobWriter {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly users: UsersRepository,
    private readonly classes: JobClassRegistry,
    private readonly scheduler: SchedulerFacade,
    private readonly scripts: ScriptsService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private maxConnections: Promise<number> | undefined;

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

  /** A new job's definition: the fields given, the API's defaults for the others. */
  newValues(dto: ImportedJobDto): JobValues {
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

  /** The schedule of a new job: the fields given, the API's defaults for the others. */
  scheduleWithDefaults(dto: PreviewScheduleDto): ScheduleValues {
    return {
      trigger: dto.trigger ?? 'cron',
      interval_seconds: dto.interval_seconds ?? null,
      run_date: isoOrNull(dto.run_date),
      start_date: isoOrNull(dto.start_date),
      end_date: isoOrNull(dto.end_date),
      ...cronFieldsWithDefaults(dto),
      timezone: dto.timezone ?? this.config.get('timezone', { infer: true }),
    };
  }

  /**
   * Class, arguments (a ScriptJob's script must be one its owner can see) and schedule, all checked
   * before anything is saved: 400 naming every bad field.
   */
  async validate(values: JobValues, ownerId: string, given: GivenTriggerFields): Promise<Schedule> {
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

  /** The job limit a new job of `ownerId` created by `user` is held to: MAX_JOBS_PER_USER for jobs owned by non-admins. */
  jobLimitFor(user: AuthUser, ownerId: string): JobLimit | undefined {
    if (user.isAdmin && ownerId === user.id) return undefined;
    return { max: this.config.get('limits.maxJobsPerUser', { infer: true }), check: 'shared' };
  }

  /** MAX_JOBS_PER_USER for `adding` more jobs (an import; 429 past it), serialised per owner until the transaction ends. */
  async assertUnderJobLimit(transaction: Transaction, user: AuthUser, ownerId: string, adding = 1): Promise<void> {
    const limit = this.jobLimitFor(user, ownerId);
    if (!limit) return;
    const scope = ownScope(ownerId) as ReturnType<typeof ownScope> & { kind: 'owner' };
    const owned = await this.jobs.lockAndCountOwned(scope, transaction);
    if (owned + adding > limit.max) throw overJobLimit(owned, adding, limit.max);
  }

  /**
   * Whether writing `job` (as it is after the write) takes a transaction of several statements: a
   * review of its owner's rights after the write. Otherwise a write is one statement, its own
   * transaction (a create's job limit included).
   */
  needsTransaction(user: AuthUser, job: ReviewedFields): boolean {
    return this.reviewMayMatter(user, job);
  }

  async existingUser(id: string): Promise<{ id: string; username: string }> {
    const username = await this.users.usernameOf(id);
    if (username === null) throw new BadRequestException(['owner_id does not name a user']);
    return { id, username };
  }

  /**
   * Saves a new, validated job (in `transaction`, or as one statement of its own when
   * {@link needsTransaction} said none is needed): held to `limit` (429 past it), reviewed, audited
   * `added` and announced.
   *
   * The limit, checked in the insert statement (`cronwarden_owned_jobs`): an `exact` check takes the
   * owner's creation lock exclusively, then counts (in a query whose snapshot follows the lock, so it
   * sees every job of whoever held it before). A `shared` check takes it shared, so creations for one
   * owner do not wait for each other's commits, and inserts only while the owner's jobs +
   * (max_connections - 1) < max: creations it does not see are in open transactions, of which there
   * are fewer than max_connections besides its own, and an exclusive holder (an import, an exact
   * check) is kept out, so even if every one of them commits the limit holds. Nearer the limit it
   * throws {@link NearJobLimitError} (the caller retries `exact`).
   */
  async insert(
    transaction: Transaction | undefined,
    user: AuthUser,
    owner: { id: string; username: string },
    values: JobValues,
    schedule: Schedule,
    limit?: JobLimit,
  ): Promise<JobWithOwner> {
    const id = randomUUID();
    const name = values.name;
    let held: { max: number; reserve: number } | undefined;
    if (limit) {
      const reserve = (await this.openTransactionsBound()) - 1;
      const shared = limit.check === 'shared' && limit.max - reserve > 0;
      held = { max: limit.max, reserve: shared ? reserve : 0 };
    }
    const inserted = await this.jobs.insert(
      {
        ...recordOf(values),
        id,
        ownerId: owner.id,
        nextRunTime: values.paused ? null : schedule.nextAfter(new Date()),
        suspendedReason: null,
      },
      this.recordOf('added', user, { id, ownerId: owner.id, name }, `added ${values.job_class_string} job "${name}"`),
      transaction,
      held,
    );
    if ('owned' in inserted) {
      if (held?.reserve) throw new NearJobLimitError();
      throw overJobLimit(inserted.owned, 1, held?.max ?? 0);
    }
    const job: JobWithOwner = { ...inserted.job, owner };
    await this.reviewAfterWrite(transaction, user, job);
    return job;
  }

  /**
   * Writes a validated change of `job` (in `transaction`, or as one statement of its own when
   * {@link needsTransaction} said none is needed; only the columns that change): audited `modified`
   * with what changed, announced; `job` is brought up to date. False when nothing changed (nothing
   * written).
   */
  async change(
    transaction: Transaction | undefined,
    user: AuthUser,
    job: JobWithOwner,
    after: JobValues,
    schedule: Schedule,
    newOwner?: { id: string; username: string },
  ): Promise<boolean> {
    const before = valuesOf(job);
    const changes = DEFINITION_FIELDS.filter(
      (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
    ).map((field) => `${field}: ${JSON.stringify(before[field])} → ${JSON.stringify(after[field])}`);
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
    const changed = { id: job.id, ownerId: patch.ownerId ?? job.ownerId, name: after.name };
    const updatedTime = await this.jobs.update(
      job.id,
      patch,
      this.recordOf('modified', user, changed, changes.join('; ')),
      transaction,
    );
    Object.assign(job, patch, updatedTime ? { updatedTime } : {});
    if (ownerChanged) job.owner = { ...newOwner };
    await this.reviewAfterWrite(transaction, user, job);
    return true;
  }

  /** Sets `job` paused or running in one statement, audited and announced; `job` is brought up to date. */
  async setPaused(user: AuthUser, job: JobWithOwner, paused: boolean): Promise<void> {
    const patch = { paused, nextRunTime: paused ? null : scheduleOf(job).nextAfter(new Date()) };
    const event = paused ? 'paused' : 'resumed';
    const updatedTime = await this.jobs.update(job.id, patch, this.recordOf(event, user, job, event));
    Object.assign(job, patch, updatedTime ? { updatedTime } : {});
  }

  /** Deletes `job` in one statement (its executions are kept), audited and announced. */
  async delete(user: AuthUser, job: JobWithOwner): Promise<void> {
    await this.jobs.delete(
      job.id,
      this.recordOf('deleted', user, job, `deleted job "${job.name}"; its executions are kept`),
    );
  }

  /** After a write that {@link needsTransaction}: the review of the owner's rights, in the same transaction. */
  private async reviewAfterWrite(
    transaction: Transaction | undefined,
    user: AuthUser,
    job: JobWithOwner,
  ): Promise<void> {
    if (!this.reviewMayMatter(user, job)) return;
    const inTransaction = this.required(transaction);
    if (await this.scheduler.reviewRights(job.id, inTransaction)) {
      job.suspendedReason = await this.jobs.suspendedReasonOf(job.id, inTransaction);
    }
  }

  /** How many transactions can be open at once (the database's max_connections), asked once. */
  private openTransactionsBound(): Promise<number> {
    this.maxConnections ??= this.jobs.maxConnections().catch((error: unknown) => {
      this.maxConnections = undefined;
      throw error;
    });
    return this.maxConnections;
  }

  private required(transaction: Transaction | undefined): Transaction {
    if (!transaction) throw new Error('This job write needs a transaction (see JobWriter.needsTransaction)');
    return transaction;
  }

  /**
   * An admin may give a job to a user who is disabled or lacks the permission its class needs: the
   * job is then suspended from the start (suspended_reason), and a change that makes it runnable
   * again lifts that. Only looked at when it can matter (another owner, a class needing a
   * permission, or a job suspended already): the caller's own rights were checked before. True when
   * the review changed the job's suspended_reason.
   */
  private reviewMayMatter(user: AuthUser, job: ReviewedFields): boolean {
    return (
      job.ownerId !== user.id ||
      Boolean(job.suspendedReason) ||
      this.classes.requiredPermissionOf(job.jobClassString) !== undefined
    );
  }

  /** Job events belong to the job's owner (who sees an admin's change), with the acting user as actor. */
  private recordOf(
    event: AuditEvent,
    user: AuthUser,
    job: { id: string; ownerId: string; name: string },
    description: string,
  ): WriteRecord {
    return {
      audit: auditRowOf({ event, actor: actorOf(user), ownerId: job.ownerId, jobName: job.name, description }),
      notice: this.scheduler.changeNotice(job.id),
    };
  }
}

/** The 429 of MAX_JOBS_PER_USER. */
function overJobLimit(owned: number, adding: number, max: number): HttpException {
  return new HttpException(
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
