import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { ExecutionsRepository, type PendingRetry } from '../database/repositories/executions.repository.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ExecutionRunner } from './execution-runner.js';
import { FireDispatcher } from './fire-dispatcher.js';
import { InstanceIdentity } from './instance.js';
import { OwnerRights } from './owner-rights.js';
import { SchedulerSwitch } from './scheduler-switch.js';

/** Retries claimed per statement; a pass goes on while batches come back full. */
const CLAIM_BATCH = 100;
/** A wake-up comes this much after the due time (the claim compares with the database's now()). */
const WAKE_AFTER_DUE_MS = 5;

/**
 * Runs due retries. The truth is the database: a pending retry is an execution row (`scheduled`,
 * trigger `retry`) written in the statement that finished the failed attempt, and a pass claims the
 * due ones with `FOR UPDATE SKIP LOCKED` (ExecutionsRepository.claimDueRetriesAcrossOwners), so each
 * runs once, on whichever instance claims it first, whatever instance wrote it or died meanwhile.
 * The sweeper runs a pass every few seconds on every instance; a timer wakes this instance for the
 * retries it wrote and for the next one pending anywhere (learnt at each pass), so a retry starts on
 * time rather than at the next sweep. The timer is only a hint: losing it (a restart) delays nothing
 * beyond the next sweep. While the scheduler switch is paused nothing is claimed: due retries wait,
 * and run when it is resumed (late, but not skipped).
 */
@Injectable()
export class RetryClaimer {
  private readonly logger = new Logger(RetryClaimer.name);
  private timer: NodeJS.Timeout | undefined;
  private wakeAt: number | null = null;
  private passing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly executions: ExecutionsRepository,
    private readonly runner: ExecutionRunner,
    private readonly dispatcher: FireDispatcher,
    private readonly instance: InstanceIdentity,
    private readonly rights: OwnerRights,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
    private readonly pauseSwitch: SchedulerSwitch,
  ) {
    runner.onRetriesWritten((retries) => this.expect(retries));
    // While the scheduler is paused due retries wait (still `scheduled`); they run on resume.
    pauseSwitch.onResume(() => void this.claimDue());
  }

  /** Wakes up when the earliest of `retries` is due. */
  expect(retries: PendingRetry[]): void {
    let earliest = Infinity;
    for (const retry of retries) earliest = Math.min(earliest, retry.scheduledTime.getTime());
    if (Number.isFinite(earliest)) this.wakeUpAt(earliest);
  }

  /** One pass (a pass under way is not started twice): claims every due retry, then waits for the next. */
  claimDue(): Promise<void> {
    this.passing ??= this.pass().finally(() => (this.passing = undefined));
    return this.passing;
  }

  /** No more passes; waits for the one under way (its runs are the runner's to drain). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wakeAt = null;
    await this.passing;
  }

  private wakeUpAt(dueMs: number): void {
    if (this.stopped) return;
    const at = dueMs + WAKE_AFTER_DUE_MS;
    if (this.wakeAt !== null && this.wakeAt <= at) return;
    clearTimeout(this.timer);
    this.wakeAt = at;
    // setTimeout holds at most ~24.8 days; a later retry is found by a pass before then.
    this.timer = setTimeout(
      () => {
        this.wakeAt = null;
        void this.claimDue();
      },
      Math.min(Math.max(at - Date.now(), 0), 2 ** 31 - 1),
    );
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    if (this.stopped || !this.dispatcher.isActive || this.pauseSwitch.paused) return;
    try {
      for (;;) {
        const claimed = await this.executions.claimDueRetriesAcrossOwners(
          this.instance,
          this.config.get('limits.maxRunningPerUser', { infer: true }),
          this.rights.requirements(),
          CLAIM_BATCH,
        );
        let started = 0;
        for (const execution of claimed) if (execution.state === 'running') started += 1;
        if (started > 0) this.metrics.retries.inc({ outcome: 'started' }, started);
        if (claimed.length > started) this.metrics.retries.inc({ outcome: 'skipped' }, claimed.length - started);
        this.runner.startAll(claimed);
        if (claimed.length < CLAIM_BATCH || this.stopped) break;
      }
      const next = await this.executions.nextPendingRetryAcrossOwners();
      // One due already (another instance is claiming it right now): look again in a second, not at once.
      if (next !== null) this.wakeUpAt(Math.max(next.getTime(), Date.now() + 1_000));
    } catch (error) {
      this.logger.warn(`Claiming due retries failed (the next sweep tries again): ${(error as Error).message}`);
    }
  }
}
