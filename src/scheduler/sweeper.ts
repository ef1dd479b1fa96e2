import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { Job } from '../database/entities/job.entity.js';
import { FireDispatcher, LATE_AFTER_MS } from './fire-dispatcher.js';
import { JobTimerRegistry } from './job-timer.registry.js';

/** Jobs caught up per sweep; the rest wait for the next one. */
const SWEEP_BATCH = 500;

/**
 * The safety net under the timers: every few seconds, asks the database which active jobs have a
 * next_run_time that passed without a claim (a stalled event loop, a lost tick, a dead instance,
 * a job this instance had not heard of) and hands each to the misfire rules.
 */
@Injectable()
export class Sweeper {
  private readonly logger = new Logger(Sweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: FireDispatcher,
    private readonly timers: JobTimerRegistry,
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
    let overdue: Job[];
    try {
      overdue = await this.dataSource
        .getRepository(Job)
        .createQueryBuilder('job')
        .where('NOT job.paused')
        .andWhere(`job.next_run_time <= now() - make_interval(secs => :late)`, { late: LATE_AFTER_MS / 1000 })
        .orderBy('job.next_run_time', 'ASC')
        .limit(SWEEP_BATCH)
        .getMany();
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
