import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { AccessService, notFound } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import { JobsRepository, type JobWithOwner } from '../database/repositories/jobs.repository.js';
import { type Transaction, Transactions } from '../database/transactions.js';
import type { CreateJobDto, PreviewScheduleDto, UpdateJobDto } from './dto/job.dto.js';
import type { JobOwnerResponse } from './dto/job.response.js';
import type { JobsQueryDto } from './dto/jobs.query.js';
import { jsonListBody } from '../http/json-list.js';
import { LIST_PAGES_BYTES, ListPages } from '../http/list-pages.js';
import { Metrics } from '../metrics/metrics.service.js';
import { isoOrNull, normaliseTrigger } from './job-trigger.js';
import { checkSchedule, DEFINITION_FIELDS, type JobValues, valuesOf } from './job-values.js';
import { type JobLimit, JobWriter, NearJobLimitError } from './job-writer.js';

const JOB = 'Job';

/** How many fire times a preview shows. */
const PREVIEW_FIRES = 5;

/**
 * Jobs: read through the owner scope the access service gives, written through {@link JobWriter}
 * (validated before anything is saved, audited in the same transaction) and (un)registered with the
 * scheduler at once after the commit.
 */
@Injectable()
export class JobsService {
  /** The last pages sent, sent again while their rows are unchanged. */
  private readonly pages: ListPages;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly transactions: Transactions,
    private readonly access: AccessService,
    private readonly writer: JobWriter,
    private readonly scheduler: SchedulerFacade,
    metrics: Metrics,
  ) {
    this.pages = new ListPages('jobs', LIST_PAGES_BYTES, (answer) => metrics.listPages.inc({ list: 'jobs', answer }));
  }

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
   * One page of jobs as the bytes of `GET /jobs`'s answer, each with its latest execution, and the
   * total: one prepared statement, PostgreSQL writing the items ({@link JobsRepository.listPageJson}),
   * or only the page's version when it is that of the body this service sent last for the same
   * question, which it then sends again ({@link ListPages}).
   */
  async listJson(user: AuthUser, query: JobsQueryDto): Promise<Buffer> {
    const scope = this.access.readScope(user);
    if (query.owner_id && scope.kind !== 'all') {
      throw new ForbiddenException('Filtering by owner_id needs view_all');
    }
    const filters = { ownerId: query.owner_id, q: query.q, paused: query.paused };
    const page = { sort: query.sort ?? 'name', limit: query.limit, offset: query.offset };
    return this.pages.answer(
      JSON.stringify([scope, filters, page]),
      (known) => this.jobs.listPageJson(scope, filters, page, known),
      (parts, total) => jsonListBody('jobs', parts, total),
    );
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

  async create(user: AuthUser, dto: CreateJobDto): Promise<JobWithOwner> {
    this.writer.assertMayUseClass(user, dto.job_class_string);
    const values = this.writer.newValues(dto);
    const owner = user.isAdmin && dto.owner_id ? await this.writer.existingUser(dto.owner_id) : actorAsOwner(user);
    const schedule = await this.writer.validate(values, owner.id, dto);

    const limit = this.writer.jobLimitFor(user, owner.id);
    const insert = (held: JobLimit | undefined) => (transaction?: Transaction) =>
      this.writer.insert(transaction, user, owner, values, schedule, held);
    const written = { ownerId: owner.id, suspendedReason: null, jobClassString: values.job_class_string };
    const attempt = (held: JobLimit | undefined) =>
      this.writer.needsTransaction(user, written) ? this.transactions.run(insert(held)) : insert(held)();
    const job = await attempt(limit).catch((error: unknown) => {
      if (!(error instanceof NearJobLimitError) || !limit) throw error;
      return attempt({ ...limit, check: 'exact' });
    });
    this.scheduler.register(job);
    return job;
  }

  /**
   * The next fires of a schedule, by the scheduler's own code, validated exactly as for a job (the
   * same 400 messages); nothing is saved.
   */
  preview(dto: PreviewScheduleDto): Date[] {
    const schedule = checkSchedule(normaliseTrigger(this.writer.scheduleWithDefaults(dto)), dto);
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

  /**
   * Changes `current`, a job the guards loaded and let the user act on (see {@link getForAction}):
   * nothing here reads it again.
   */
  async update(user: AuthUser, current: JobWithOwner, dto: UpdateJobDto): Promise<JobWithOwner> {
    if (dto.job_class_string !== undefined) this.writer.assertMayUseClass(user, dto.job_class_string);
    this.writer.assertMayUseClass(user, current.jobClassString);
    let after: JobValues = { ...valuesOf(current) };
    for (const field of DEFINITION_FIELDS) {
      const value = dto[field];
      if (value !== undefined) (after as unknown as Record<string, unknown>)[field] = value;
    }
    after.run_date = isoOrNull(after.run_date);
    after.start_date = isoOrNull(after.start_date);
    after.end_date = isoOrNull(after.end_date);
    after = normaliseTrigger(after);
    const newOwner = user.isAdmin && dto.owner_id ? await this.writer.existingUser(dto.owner_id) : undefined;
    const schedule = await this.writer.validate(after, newOwner?.id ?? current.ownerId, dto);

    const job: JobWithOwner = { ...current, owner: { ...current.owner } };
    const change = (transaction?: Transaction) => this.writer.change(transaction, user, job, after, schedule, newOwner);
    const written = { ...job, ownerId: newOwner?.id ?? job.ownerId, jobClassString: after.job_class_string };
    await (this.writer.needsTransaction(user, written) ? this.transactions.run(change) : change());
    this.scheduler.reschedule(job);
    return job;
  }

  /** Deletes `job` (loaded and checked by the guards); its executions are kept. */
  async remove(user: AuthUser, job: JobWithOwner): Promise<void> {
    await this.writer.delete(user, job);
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
      await this.writer.setPaused(user, job, paused);
    }
    this.scheduler.reschedule(job);
    return job;
  }
}

/** The caller as a job's owner (their own jobs). */
function actorAsOwner(user: AuthUser): { id: string; username: string } {
  return { id: user.id, username: user.username };
}
