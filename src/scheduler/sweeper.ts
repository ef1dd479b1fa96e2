import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { JobsRepository, type SchedulableJobRecord } from '../database/repositories/jobs.repository.js';
import { FireDispatcher, LATE_AFTER_MS } from './fire-dispatcher.js';
import { JobTimerRegistry } from './job-timer.registry.js';
import { RetryClaimer } from './retry-claimer.js';

/** Jobs caught up per sweep; the rest wait for the next one. */
const SWEEP_BATCH = 500;

/**
 * The safety net under the timers: every few seconds, asks the database which active jobs have a
 * next_run_time that passed without a claim (a stalled event loop, a lost tick, a dead instance,
 * a job this instance had not heard of) and hands each to the misfire rules; and claims the due
 * retries (pending rows of any instance, a dead one's too).
 */
@Injectable()
export class Sweeper {
  private readonly logger = new Logger(Sweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly dispatcher: FireDispatcher,
    private readonly timers: JobTimerRegistry,
    private readonly retries: RetryClaimer,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  start(): void {
    const everyMs = this.config.get('scheduler.sweepIntervalSeconds', { infer: true }) * 1000;
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass; a pass still under way is not started twice. */
  sweep(): Promise<void> {
    this.sweeping ??= this.pass().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async pass(): Promise<void> {
    if (!this.dispatcher.isActive) return;
    await this.retries.claimDue();
    let overdue: SchedulableJobRecord[];
    try {
      overdue = await this.jobs.listOverdueAcrossOwners(LATE_AFTER_MS / 1000, SWEEP_BATCH);
    } catch (error) {
      this.logger.warn(`Sweep skipped, the database did not answer: ${(error as Error).message}`);
      return;
    }
    for (const job of overdue) {
      if (!this.dispatcher.isActive) return;
      if (!this.timers.isRegistered(job.id)) this.timers.register(job);
      try {
        await this.dispatcher.catchUp(job.id, job.nextRunTime!);
      } catch (error) {
        this.logger.warn(`Catching up job ${job.id} failed: ${(error as Error).message}`);
      }
    }
  }
}
