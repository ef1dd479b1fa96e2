import { ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { AccessService, notFound } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import type { OwnerScope } from '../access/owner-scope.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { TimeRange } from '../common/time-range.dto.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ExecutionRunner } from '../scheduler/execution-runner.js';
import { EXECUTION_STOPS_CHANNEL } from '../scheduler/job-sync.js';
import { type ClaimedExecution, FireClaimer } from '../scheduler/fire-claimer.js';
import { Execution, EXECUTION_STATES, type ExecutionState } from '../database/entities/execution.entity.js';

const EXECUTION = 'Execution';
/** Retry-After of a run now refused by MAX_RUNNING_PER_USER: a hint, runs end when they end. */
const RUN_NOW_RETRY_AFTER_SECONDS = 5;
const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

export interface ExecutionFilters extends TimeRange {
  jobId?: string;
  state?: ExecutionState;
  limit: number;
  offset: number;
}

@Injectable()
export class ExecutionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly audit: AuditLogService,
    private readonly jobs: JobsService,
    private readonly claimer: FireClaimer,
    private readonly runner: ExecutionRunner,
  ) {}

  private query(): SelectQueryBuilder<Execution> {
    return this.dataSource
      .getRepository(Execution)
      .createQueryBuilder('execution')
      .leftJoin('execution.owner', 'owner')
      .addSelect(['owner.id', 'owner.username']);
  }

  private scoped(builder: SelectQueryBuilder<Execution>, scope: OwnerScope): SelectQueryBuilder<Execution> {
    return scope.kind === 'all'
      ? builder
      : builder.andWhere('execution.owner_id = :scopeOwner', { scopeOwner: scope.ownerId });
  }

  /** Newest first, within the caller's read scope (a job the caller cannot see simply matches nothing). */
  async list(user: AuthUser, filters: ExecutionFilters): Promise<{ rows: Execution[]; total: number }> {
    const builder = this.scoped(this.query(), this.access.readScope(user)).andWhere(
      'execution.scheduled_time BETWEEN :start AND :end',
      { start: filters.start, end: filters.end },
    );
    if (filters.jobId) builder.andWhere('execution.job_id = :jobId', { jobId: filters.jobId });
    if (filters.state) builder.andWhere('execution.state = :state', { state: filters.state });
    const [rows, total] = await builder
      .orderBy('execution.scheduled_time', 'DESC')
      .addOrderBy('execution.id', 'DESC')
      .take(filters.limit)
      .skip(filters.offset)
      .getManyAndCount();
    return { rows, total };
  }

  /**
   * How many executions of the range (and job) are in each state, scoped exactly like {@link list}:
   * one GROUP BY over the same conditions, every state present (0 when none).
   */
  async stats(
    user: AuthUser,
    filters: TimeRange & { jobId?: string },
  ): Promise<{ counts: Record<ExecutionState, number>; total: number }> {
    const builder = this.scoped(
      this.dataSource.getRepository(Execution).createQueryBuilder('execution'),
      this.access.readScope(user),
    ).andWhere('execution.scheduled_time BETWEEN :start AND :end', { start: filters.start, end: filters.end });
    if (filters.jobId) builder.andWhere('execution.job_id = :jobId', { jobId: filters.jobId });
    const rows = await builder
      .select('execution.state', 'state')
      .addSelect('count(*)', 'count')
      .groupBy('execution.state')
      .getRawMany<{ state: ExecutionState; count: string }>();
    const counts = Object.fromEntries(EXECUTION_STATES.map((state) => [state, 0])) as Record<ExecutionState, number>;
    let total = 0;
    for (const row of rows) {
      counts[row.state] = Number(row.count);
      total += Number(row.count);
    }
    return { counts, total };
  }

  async get(user: AuthUser, id: string): Promise<Execution> {
    const execution = isUuid(id)
      ? await this.scoped(this.query().where('execution.id = :id', { id }), this.access.readScope(user)).getOne()
      : null;
    if (!execution) throw notFound(EXECUTION);
    return execution;
  }

  /**
   * Run now: one execution at once (paused or not), audited as custom_run. Limited like a scheduled
   * fire, in the statement that inserts it: 403 when the job's owner may not run it (disabled, or
   * without the permission its class needs), 409 when max_instances executions of the job are
   * running, 429 when its owner has MAX_RUNNING_PER_USER running.
   */
  async runNow(user: AuthUser, jobId: string): Promise<string> {
    const job = await this.jobs.getForAction(user, jobId);
    const outcome = await this.claimer.runNow(job.id);
    let claimed: ClaimedExecution;
    switch (outcome.kind) {
      case 'missing':
        throw notFound('Job');
      case 'refused':
        throw new ForbiddenException(`The job cannot run: ${outcome.reason}`);
      case 'max_instances':
        throw new ConflictException(
          `The job already runs its maximum of ${outcome.maxInstances} executions (max_instances)`,
        );
      case 'max_running_per_user':
        throw new TooManyRequestsException(
          `The job's owner already has ${outcome.running} executions running: the limit is ${outcome.limit} (MAX_RUNNING_PER_USER)`,
          RUN_NOW_RETRY_AFTER_SECONDS,
        );
      case 'started':
        claimed = outcome.execution;
    }
    await this.audit.record({
      event: 'custom_run',
      actor: actorOf(user),
      ownerId: job.ownerId,
      jobId: job.id,
      jobName: job.name,
      description: `run now: execution ${claimed.executionId}`,
    });
    this.runner.start(claimed);
    return claimed.executionId;
  }

  /**
   * Stops a running execution: when it runs here its class is aborted (process group killed) and
   * the row says `stopped`; when it runs on another instance the row is marked `stopped`, which
   * that instance will not overwrite, and that instance is told to kill it. 409 when it is not running.
   */
  async stop(user: AuthUser, id: string): Promise<Execution> {
    const execution = await this.get(user, id);
    this.access.assertCanAct(user, execution.ownerId ?? '', EXECUTION);
    if (execution.state !== 'running')
      throw new ConflictException(`The execution is not running (state: ${execution.state})`);
    const stoppedHere = await this.runner.stop(execution.id);
    if (!stoppedHere) {
      // The row says `stopped` at once; its instance hears it (NOTIFY on commit) and kills the work.
      await this.dataSource.query(
        `WITH stopped AS (
           UPDATE executions SET state = 'stopped', finished_time = now(), updated_time = now(),
                  description = 'Stopped on request (it was running on another instance)'
            WHERE id = $1 AND state = 'running'
           RETURNING id, instance_id)
         SELECT pg_notify($2, json_build_object('execution', id, 'instance', instance_id)::text) FROM stopped`,
        [execution.id, EXECUTION_STOPS_CHANNEL],
      );
    }
    return this.get(user, id);
  }
}
