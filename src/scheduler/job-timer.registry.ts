import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { AppConfig } from '../config/app-config.js';
import type { SchedulableJobRecord } from '../database/repositories/jobs.repository.js';
import { FireDispatcher } from './fire-dispatcher.js';
import { cronOf, type Schedule, scheduleOf } from './schedule.js';

export const cronJobName = (jobId: string): string => `job:${jobId}`;

/** What registering a job needs of it (a Job entity is one). */
export type SchedulableJob = Omit<SchedulableJobRecord, 'updatedTime'>;

/** setTimeout's longest delay (about 24.8 days); a longer wait is taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The scheduler's verbs over Nest's SchedulerRegistry: one CronJob per active cron job, named
 * `job:<id>`, always in the job's own time zone — the live view of what this instance fires.
 * In `cronjob` mode each CronJob is started and its tick proposes the fire; in `dispatcher` mode
 * (default) the CronJobs hold the schedules and one dispatcher timer wakes for all of them.
 * Interval and date jobs have no cron expression: the dispatcher's timeline holds them, and in
 * `cronjob` mode a timeout of their own (`job:<id>` among the registry's timeouts) ticks at each fire.
 */
@Injectable()
export class JobTimerRegistry {
  private readonly logger = new Logger(JobTimerRegistry.name);
  /** updated_time (ms) of the row each registered job was built from, for the reconcile. */
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly dispatcher: FireDispatcher,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** Starts firing `job` (active jobs only; a paused one is left out). */
  register(job: SchedulableJob & { updatedTime?: Date }): void {
    this.unregister(job.id);
    if (job.paused) return;
    this.versions.set(job.id, job.updatedTime?.getTime() ?? 0);
    let schedule: Schedule;
    try {
      schedule = scheduleOf(job);
    } catch (error) {
      this.logger.error(
        `Job ${job.id} (${job.name}) has an invalid schedule and will not fire: ${(error as Error).message}`,
      );
      return;
    }
    const next = job.nextRunTime ?? schedule.nextAfter(new Date());
    if (!next) return;
    const ticking = this.config.get('scheduler.mode', { infer: true }) === 'cronjob';
    const catchUpJob = {
      id: job.id,
      misfireGraceSeconds: job.misfireGraceSeconds,
      coalesce: job.coalesce,
      jitterSeconds: job.jitterSeconds,
    };
    const cron = cronOf(schedule);
    if (cron === null) {
      this.dispatcher.track(catchUpJob, schedule, next);
      if (ticking) this.tickAt(job.id, schedule, next);
      return;
    }
    const cronJob = CronJob.from({
      cronTime: cron.expression,
      timeZone: job.timezone,
      start: false,
      onTick: () => this.dispatcher.onTick(job.id),
      name: cronJobName(job.id),
    });
    // One CronTime per job: the CronJob shares the schedule's (which also answers nextAfter).
    cronJob.setTime(cron.cronTime);
    this.registry.addCronJob(cronJobName(job.id), cronJob);
    this.dispatcher.track(catchUpJob, schedule, next);
    if (ticking) cronJob.start();
  }

  /** `cronjob` mode, interval and date jobs: a timeout that proposes each fire, then waits for the next. */
  private tickAt(jobId: string, schedule: Schedule, fire: Date): void {
    const name = cronJobName(jobId);
    const wait = fire.getTime() - Date.now();
    const timer = setTimeout(
      () => {
        this.registry.deleteTimeout(name);
        if (wait > MAX_TIMEOUT_MS) return this.tickAt(jobId, schedule, fire);
        this.dispatcher.onTick(jobId);
        const next = schedule.nextAfter(fire);
        if (next) this.tickAt(jobId, schedule, next);
      },
      Math.min(Math.max(wait, 0), MAX_TIMEOUT_MS),
    );
    this.registry.addTimeout(name, timer);
  }

  /** Applies a changed job at once. */
  reschedule(job: SchedulableJob & { updatedTime?: Date }): void {
    this.register(job);
  }

  unregister(jobId: string): void {
    this.versions.delete(jobId);
    const name = cronJobName(jobId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    if (this.registry.doesExist('timeout', name)) this.registry.deleteTimeout(name);
    this.dispatcher.untrack(jobId);
  }

  registeredIds(): string[] {
    return [...this.versions.keys()];
  }

  /** updated_time (ms) the registration was built from; undefined when not registered. */
  versionOf(jobId: string): number | undefined {
    return this.versions.get(jobId);
  }

  isRegistered(jobId: string): boolean {
    return this.registry.doesExist('cron', cronJobName(jobId)) || this.dispatcher.timeline.get(jobId) !== undefined;
  }

  get count(): number {
    return this.dispatcher.timeline.size;
  }
}
