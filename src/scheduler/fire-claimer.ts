import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import type { ExecutionState } from '../database/entities/execution.entity.js';
import type { ClaimedExecution } from '../database/repositories/claimed-execution.js';
import { ExecutionsRepository, type RunNowActor } from '../database/repositories/executions.repository.js';
import { JobsRepository } from '../database/repositories/jobs.repository.js';
import { PgPool } from '../database/pg-pool.js';
import { Transactions } from '../database/transactions.js';
import { InstanceIdentity } from './instance.js';
import { OwnerRights } from './owner-rights.js';

export type { ClaimedExecution } from '../database/repositories/claimed-execution.js';

/** A fire proposed by a timer: `scheduled` is the fire time, `following` the next one after it. */
export interface ProposedFire {
  jobId: string;
  scheduled: Date;
  following: Date | null;
}

/** A claim's outcome: the executions it recorded, and how many fires of suspended jobs it passed over (no row). */
export interface ClaimResult {
  executions: ClaimedExecution[];
  suspended: number;
}

/** What run now did: started an execution, or why not. */
export type RunNowOutcome =
  | { kind: 'started'; execution: ClaimedExecution }
  | { kind: 'missing' }
  | { kind: 'refused'; reason: string }
  | { kind: 'max_instances'; running: number; maxInstances: number }
  | { kind: 'max_running_per_user'; running: number; limit: number };

type CatchUpRow = { scheduled: Date; state: ExecutionState; description: string };

export interface CatchUpPlan {
  jobId: string;
  /** The job's next_run_time this plan was made from: nothing happens if it changed meanwhile. */
  expectedNext: Date;
  /** Fires to run (state running, or skipped past max_instances), oldest first, each with its description. */
  runs: Array<{ scheduled: Date; description: string }>;
  /** Fires recorded as `missed` (older than the misfire grace), oldest first, each with its description. */
  missed: Array<{ scheduled: Date; description: string }>;
  /** New next_run_time. */
  next: Date | null;
}

/**
 * The database decides who runs a fire. Every claim is an `INSERT ... ON CONFLICT (job_id,
 * scheduled_time, retry_of) DO NOTHING` (a fire's retry_of is null: its key is its job and time)
 * together with the advance of the job's `next_run_time`, so however
 * many timers (or instances) propose the same fire, one execution row is written, once. The
 * statements are the repositories' (`...AcrossOwners`: a claim acts for every owner); this class
 * decides what to ask of them and what their answers mean.
 */
@Injectable()
export class FireClaimer {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly executions: ExecutionsRepository,
    private readonly transactions: Transactions,
    private readonly pool: PgPool,
    private readonly instance: InstanceIdentity,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly rights: OwnerRights,
  ) {}

  private get maxRunningPerUser(): number {
    return this.config.get('limits.maxRunningPerUser', { infer: true });
  }

  /**
   * Claims on-time fires of many jobs in one statement (see JobsRepository.claimDueAcrossOwners): a
   * fire starts `running`, or is `skipped` past `max_instances`, MAX_RUNNING_PER_USER or the owner's
   * rights (the job is then suspended: its later fires move on without an execution row, counted in
   * `suspended`). Instances claiming the same fires lock the jobs' rows in id order: the first
   * commits, the others find next_run_time moved on and claim nothing; the unique `(job_id,
   * scheduled_time)` index stays the last guard.
   */
  async claim(fires: ProposedFire[]): Promise<ClaimResult> {
    if (fires.length === 0) return { executions: [], suspended: 0 };
    const claimed = await this.jobs.claimDueAcrossOwners(
      fires,
      this.instance,
      this.maxRunningPerUser,
      this.rights.requirements(),
    );
    const executions: ClaimedExecution[] = [];
    let suspended = 0;
    for (const fire of claimed) {
      if (fire.state === 'suspended') suspended += 1;
      else executions.push(fire);
    }
    return { executions, suspended };
  }

  /**
   * Applies the misfire rules' plan for one job that fell behind: under the job's row lock (so
   * instances doing the same wait for each other), only if next_run_time is still what the plan was
   * made from; runs count running executions one by one for max_instances. When the owner may not
   * run the job (disabled, or without the permission its class needs), nothing runs: the latest fire
   * is recorded `skipped` with the reason unless the job already is suspended, and it is marked so.
   */
  async catchUp(plan: CatchUpPlan): Promise<ClaimedExecution[]> {
    return this.transactions.run(async (transaction) => {
      const locked = await this.jobs.lockForCatchUpAcrossOwners(transaction, plan.jobId, plan.expectedNext);
      if (!locked) return [];
      // The row lock was taken after the snapshot of that statement: count now, to see committed starts.
      const { running, ownerRunning, refusal } = await this.jobs.fireLimitsAcrossOwners(
        transaction,
        plan.jobId,
        this.rights.requirements(),
      );
      const rows: CatchUpRow[] =
        refusal === null ? this.catchUpRows(plan, locked.maxInstances, running, ownerRunning) : [];
      const latest = plan.runs.at(-1) ?? plan.missed.at(-1);
      if (refusal !== null && locked.suspendedReason === null && latest) {
        rows.push({ scheduled: latest.scheduled, state: 'skipped', description: `skipped: ${refusal}` });
      }
      const claimed = rows.length
        ? await this.executions.insertFiresAcrossOwners(transaction, plan.jobId, rows, this.instance)
        : [];
      await this.jobs.advanceAcrossOwners(transaction, plan.jobId, plan.next, refusal);
      return claimed;
    });
  }

  /** The plan's rows when the owner may run the job: missed ones, then runs while slots last, the rest skipped. */
  private catchUpRows(plan: CatchUpPlan, maxInstances: number, running: number, ownerRunning: number): CatchUpRow[] {
    let slots = Math.min(maxInstances - running, this.maxRunningPerUser - ownerRunning);
    return [
      ...plan.missed.map((fire) => ({ ...fire, state: 'missed' as const })),
      ...plan.runs.map((fire) => {
        const state = slots > 0 ? ('running' as const) : ('skipped' as const);
        if (state === 'running') slots -= 1;
        const description =
          state === 'running'
            ? fire.description
            : `skipped: max_instances (${maxInstances}) or MAX_RUNNING_PER_USER reached`;
        return { ...fire, state, description };
      }),
    ];
  }

  /**
   * "Run now": one execution started at once, paused or not, beside the schedule, limited like a
   * scheduled fire. In one transaction: the job's row and its owner's advisory lock are taken first
   * (so run-nows of the job, and of any job of the owner, take turns, and a scheduled claim of the
   * job waits too), then one statement checks the owner's rights, `max_instances` and
   * MAX_RUNNING_PER_USER and inserts the execution only when all allow it. That statement starts
   * after the locks are held, so its snapshot sees every execution inserted by whoever held them
   * before: no check-then-insert race (six concurrent run-nows of a job with max_instances 1 start
   * exactly one).
   */
  async runNow(jobId: string, actor: RunNowActor): Promise<RunNowOutcome> {
    const decision = await this.pool.transaction(async (transaction) => {
      if (!(await this.jobs.lockForRunNowAcrossOwners(transaction, jobId))) return null;
      return this.executions.startRunNowAcrossOwners(
        transaction,
        jobId,
        this.instance,
        this.rights.requirements(),
        this.maxRunningPerUser,
        actor,
      );
    });
    if (!decision) return { kind: 'missing' };
    switch (decision.verdict) {
      case 'refused':
        return { kind: 'refused', reason: decision.refusal ?? '' };
      case 'max_instances':
        return { kind: 'max_instances', running: decision.running, maxInstances: decision.maxInstances };
      case 'max_running_per_user':
        return { kind: 'max_running_per_user', running: decision.ownerRunning, limit: this.maxRunningPerUser };
      case 'started':
        return { kind: 'started', execution: decision.execution };
    }
  }
}
