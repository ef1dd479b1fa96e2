import { Injectable } from '@nestjs/common';
import type { RunNowActor } from '../database/repositories/executions.repository.js';
import type { InstanceRow } from '../database/repositories/instances.repository.js';
import type { SchedulableJobRecord } from '../database/repositories/jobs.repository.js';
import type { ChannelNotice } from '../database/repositories/write-record.sql.js';
import type { Transaction } from '../database/transactions.js';
import { ExecutionRunner } from './execution-runner.js';
import { type ClaimedExecution, FireClaimer, type RunNowOutcome } from './fire-claimer.js';
import { FireDispatcher } from './fire-dispatcher.js';
import { InstanceIdentity } from './instance.js';
import { InstanceRegistryService } from './instance-registry.js';
import { JobSync } from './job-sync.js';
import { JobTimerRegistry, type SchedulableJob } from './job-timer.registry.js';
import { OwnerRights } from './owner-rights.js';
import { SchedulerService, type SchedulerState } from './scheduler.service.js';
import { type PauseReason, SchedulerSwitch } from './scheduler-switch.js';

/** This instance's scheduler in figures (what GET /health shows). */
export interface SchedulerStats {
  state: SchedulerState;
  registeredJobs: number;
  runningExecutions: number;
  instance: { id: string; hostname: string; pid: number };
  dispatch: { fires: number; claimed: number; lostToOthers: number; catchUps: number };
  jobSyncListening: boolean;
  /** This instance starts no fire now, and why (the shared switch, or its SCHEDULER_START_PAUSED hold). */
  paused: boolean;
  pauseReason: PauseReason | null;
}

/**
 * What the features (jobs, executions, instances, health) may ask of the scheduler, and nothing
 * more: they never reach its timers, claims or runner directly, and the scheduler imports none of them.
 */
@Injectable()
export class SchedulerFacade {
  constructor(
    private readonly timers: JobTimerRegistry,
    private readonly sync: JobSync,
    private readonly rights: OwnerRights,
    private readonly claimer: FireClaimer,
    private readonly runner: ExecutionRunner,
    private readonly dispatcher: FireDispatcher,
    private readonly scheduler: SchedulerService,
    private readonly instance: InstanceIdentity,
    private readonly registry: InstanceRegistryService,
    private readonly pauseSwitch: SchedulerSwitch,
  ) {}

  /** Registers a new job's timer on this instance (others hear of it through {@link announce}). */
  register(job: SchedulableJob & { updatedTime?: Date }): void {
    this.timers.register(job);
  }

  /** Brings a changed job's timer in line (a paused job's is dropped). */
  reschedule(job: SchedulableJob & { updatedTime?: Date }): void {
    this.timers.reschedule(job);
  }

  unregister(jobId: string): void {
    this.timers.unregister(jobId);
  }

  /** The NOTIFY announcing a change of `jobId`, for a write statement that sends it when it commits. */
  changeNotice(jobId: string): ChannelNotice {
    return this.sync.changeNotice(jobId);
  }

  /** Suspends or lifts the suspension of a job by its owner's rights now; true when it changed. */
  async reviewRights(jobId: string, transaction: Transaction): Promise<boolean> {
    return (await this.rights.review({ jobId }, transaction)).includes(jobId);
  }

  /** Claims a run-now execution of a job (limits checked in the claim), audited `custom_run` by `actor` in its statement. */
  runNow(jobId: string, actor: RunNowActor): Promise<RunNowOutcome> {
    return this.claimer.runNow(jobId, actor);
  }

  /** Runs a claimed execution on this instance. */
  start(execution: ClaimedExecution): void {
    this.runner.start(execution);
  }

  /** Stops an execution if it runs on this instance (false when it does not). */
  stopHere(executionId: string): Promise<boolean> {
    return this.runner.stop(executionId);
  }

  /** Why this instance starts no fire now (run now is refused then too); null while it fires. */
  get pauseReason(): PauseReason | null {
    return this.pauseSwitch.reason;
  }

  /**
   * Applies a change of the shared switch this instance just committed at once (the others, and this
   * one again, re-read it on the NOTIFY): a resume also releases this instance's start-paused hold.
   */
  switchChanged(paused: boolean): void {
    this.pauseSwitch.apply({ paused, held: paused && this.pauseSwitch.reason === 'start_paused' });
  }

  stats(): SchedulerStats {
    return {
      state: this.scheduler.state,
      registeredJobs: this.scheduler.registeredJobs,
      runningExecutions: this.runner.runningCount,
      instance: { id: this.instance.id, hostname: this.instance.hostname, pid: this.instance.pid },
      dispatch: { ...this.dispatcher.stats },
      jobSyncListening: this.sync.isListening,
      paused: this.pauseSwitch.paused,
      pauseReason: this.pauseSwitch.reason,
    };
  }

  /** Instances heartbeating now (across the cluster). */
  instancesAlive(): Promise<number> {
    return this.registry.aliveCount();
  }

  /** The instances sharing the database (`all`: stopped ones too), this one marked `current`. */
  async instances(all: boolean): Promise<Array<InstanceRow & { current: boolean }>> {
    return (await this.registry.list(all)).map((row) => ({ ...row, current: row.id === this.instance.id }));
  }
}

export type { SchedulableJobRecord };
