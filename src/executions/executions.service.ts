import { ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import { AccessService, notFound } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import { actorOf, auditRowOf } from '../audit-logs/audit-log.service.js';
import type { TimeRange } from '../common/time-range.dto.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { jsonListBody } from '../http/json-list.js';
import { LIST_PAGES_BYTES, ListPages } from '../http/list-pages.js';
import { Metrics } from '../metrics/metrics.service.js';
import type { ExecutionWithOwner } from '../database/repositories/execution.columns.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import type { JobWithOwner } from '../database/repositories/jobs.repository.js';
import type { ClaimedExecution } from '../scheduler/fire-claimer.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import { EXECUTION_STATES, type ExecutionState } from '../database/entities/execution.entity.js';

const EXECUTION = 'Execution';
/** Retry-After of a run now refused by MAX_RUNNING_PER_USER: a hint, runs end when they end. */
const RUN_NOW_RETRY_AFTER_SECONDS = 5;

export interface ExecutionFilters extends TimeRange {
  jobId?: string;
  state?: ExecutionState;
  limit: number;
  offset: number;
}

@Injectable()
export class ExecutionsService {
  /** The last pages sent, sent again while their rows are unchanged. */
  private readonly pages: ListPages;

  constructor(
    private readonly executions: ExecutionsRepository,
    private readonly access: AccessService,
    private readonly scheduler: SchedulerFacade,
    metrics: Metrics,
  ) {
    this.pages = new ListPages('executions', LIST_PAGES_BYTES, (answer) =>
      metrics.listPages.inc({ list: 'executions', answer }),
    );
  }

  /** Newest first, within the caller's read scope (a job the caller cannot see simply matches nothing). */
  /**
   * One page as the bytes of `GET /executions`'s answer: PostgreSQL writes the items, or only the
   * page's version when it is that of a body kept for the same question, sent again ({@link ListPages}).
   */
  async listJson(user: AuthUser, filters: ExecutionFilters): Promise<Buffer> {
    const scope = this.access.readScope(user);
    return this.pages.answer(
      // Not the range: the default one ends now, so it differs on every request.
      JSON.stringify([scope, filters.jobId, filters.state, filters.limit, filters.offset]),
      (known) => this.executions.listPageJson(scope, filters, filters, known),
      (items, total) => jsonListBody('executions', [items], total),
    );
  }

  /**
   * How many executions of the range (and job) are in each state, scoped exactly like {@link list}:
   * one GROUP BY over the same conditions, every state present (0 when none).
   */
  async stats(
    user: AuthUser,
    filters: TimeRange & { jobId?: string },
  ): Promise<{ counts: Record<ExecutionState, number>; total: number }> {
    const rows = await this.executions.countByState(this.access.readScope(user), filters);
    const counts = Object.fromEntries(EXECUTION_STATES.map((state) => [state, 0])) as Record<ExecutionState, number>;
    let total = 0;
    for (const row of rows) {
      counts[row.state] = row.count;
      total += row.count;
    }
    return { counts, total };
  }

  async get(user: AuthUser, id: string): Promise<ExecutionWithOwner> {
    const execution = await this.executions.findById(this.access.readScope(user), id);
    if (!execution) throw notFound(EXECUTION);
    return execution;
  }

  /**
   * Run now: one execution at once (paused or not), audited as custom_run. Limited like a scheduled
   * fire, in the statement that inserts it: 403 when the job's owner may not run it (disabled, or
   * without the permission its class needs), 409 when max_instances executions of the job are
   * running or while the scheduler is paused (on this instance: the shared switch, or its start-paused
   * hold), 429 when its owner has MAX_RUNNING_PER_USER running. `job` is the one the guard loaded and
   * let the user act on.
   */
  async runNow(user: AuthUser, job: JobWithOwner): Promise<string> {
    const paused = this.scheduler.pauseReason;
    if (paused !== null) {
      throw new ConflictException(
        paused === 'switch'
          ? 'Cannot run now: the scheduler is paused; nothing runs until an admin resumes it'
          : 'Cannot run now: the scheduler is paused on this instance (SCHEDULER_START_PAUSED); nothing runs until an admin resumes it',
      );
    }
    const { user: username, userId } = auditRowOf({ event: 'custom_run', actor: actorOf(user), ownerId: job.ownerId });
    const outcome = await this.scheduler.runNow(job.id, { user: username, userId });
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
    this.scheduler.start(claimed);
    return claimed.executionId;
  }

  /**
   * Stops a running execution: when it runs here its class is aborted (process group killed) and
   * the row says `stopped`; when it runs on another instance the row is marked `stopped`, which
   * that instance will not overwrite, and that instance is told to kill it. 409 when it is not running.
   */
  async stop(user: AuthUser, id: string): Promise<ExecutionWithOwner> {
    const execution = await this.get(user, id);
    this.access.assertCanAct(user, execution.ownerId ?? '', EXECUTION);
    if (execution.state !== 'running')
      throw new ConflictException(`The execution is not running (state: ${execution.state})`);
    const stoppedHere = await this.scheduler.stopHere(execution.id);
    if (!stoppedHere) {
      // The row says `stopped` at once; its instance hears it (NOTIFY on commit) and kills the work.
      await this.executions.stopRunningElsewhere(execution.id);
    }
    return this.get(user, id);
  }
}
