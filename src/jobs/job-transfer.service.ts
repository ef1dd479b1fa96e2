import { BadRequestException, ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import { AccessService } from '../access/access.service.js';
import { type AuthUser, hasPermission } from '../access/auth-user.js';
import { ownScope } from '../access/owner-scope.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import type { Schedule } from '../scheduler/schedule.js';
import { JobsRepository, type JobWithOwner } from '../database/repositories/jobs.repository.js';
import { Transactions } from '../database/transactions.js';
import {
  type ExportedJob,
  type ExportJobsQueryDto,
  importedJobOf,
  type JobImportResponse,
  type OnConflict,
} from './dto/job-import.dto.js';
import { type JobValues, valuesOf } from './job-values.js';
import { JobWriter } from './job-writer.js';

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
/**
 * Jobs in and out as definitions (`GET /jobs/export`, `POST /jobs/import`, the CLI's imports): the
 * same checks and writes as one job's, through {@link JobWriter}, for many in one transaction.
 */
@Injectable()
export class JobTransferService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly transactions: Transactions,
    private readonly access: AccessService,
    private readonly writer: JobWriter,
    private readonly scheduler: SchedulerFacade,
  ) {}

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
      if (typeof item.job_class_string === 'string') this.writer.assertMayUseClass(user, item.job_class_string);
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
      const values = this.writer.newValues(dto);
      try {
        checked.push({ values, schedule: await this.writer.validate(values, ownerId, dto) });
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
        if (adding > 0) await this.writer.assertUnderJobLimit(transaction, user, ownerId, adding);
        const results: ImportedJobResult[] = [];
        for (const { values, schedule } of checked) {
          const match = byName.get(values.name)?.[0];
          if (!match) {
            const job = await this.writer.insert(transaction, user, owner, values, schedule);
            results.push({ job_id: job.id, name: job.name, action: 'created' });
          } else if (onConflict === 'update') {
            this.writer.assertMayUseClass(user, match.jobClassString);
            const changed = await this.writer.change(transaction, user, match, values, schedule);
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
}
