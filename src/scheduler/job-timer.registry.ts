import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { AppConfig } from '../config/app-config.js';
import type { SchedulableJobRecord } from '../database/repositories/jobs.repository.js';
import { CronSchedule, type CronFields } from './cron-schedule.js';
import { FireDispatcher } from './fire-dispatcher.js';

export const cronJobName = (jobId: string): string => `job:${jobId}`;

/** What registering a job needs of it (a Job entity is one). */
export type SchedulableJob = Omit<SchedulableJobRecord, 'updatedTime'>;

export function cronFieldsOf(job: SchedulableJob): CronFields {
  return {
    second: job.second,
    minute: job.minute,
    hour: job.hour,
    day: job.day,
    month: job.month,
    day_of_week: job.dayOfWeek,
  };
}

/**
 * The scheduler's verbs over Nest's SchedulerRegistry: one CronJob per active job, named
 * `job:<id>`, always in the job's own time zone — the live view of what this instance fires.
 * In `cronjob` mode each CronJob is started and its tick proposes the fire; in `dispatcher` mode
 * (default) the CronJobs hold the schedules and one dispatcher timer wakes for all of them.
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
    let schedule: CronSchedule;
    try {
      schedule = CronSchedule.fromStored(cronFieldsOf(job), job.timezone);
    } catch (error) {
      this.logger.error(
        `Job ${job.id} (${job.name}) has an invalid schedule and will not fire: ${(error as Error).message}`,
      );
      return;
    }
    const next = job.nextRunTime ?? schedule.nextAfter(new Date());
    if (!next) return;
    const ticking = this.config.get('scheduler.mode', { infer: true }) === 'cronjob';
    const cronJob = CronJob.from({
      cronTime: schedule.expression,
      timeZone: job.timezone,
      start: false,
      onTick: () => this.dispatcher.onTick(job.id),
      name: cronJobName(job.id),
    });
    // One CronTime per job: the CronJob shares the schedule's (which also answers nextAfter).
    cronJob.setTime(schedule.cronTime);
    this.registry.addCronJob(cronJobName(job.id), cronJob);
    this.dispatcher.track(
      { id: job.id, misfireGraceSeconds: job.misfireGraceSeconds, coalesce: job.coalesce },
      schedule,
      next,
    );
    if (ticking) cronJob.start();
  }

  /** Applies a changed job at once. */
  reschedule(job: SchedulableJob & { updatedTime?: Date }): void {
    this.register(job);
  }

  unregister(jobId: string): void {
    this.versions.delete(jobId);
    const name = cronJobName(jobId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
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
    return this.registry.doesExist('cron', cronJobName(jobId));
  }

  get count(): number {
    return this.dispatcher.timeline.size;
  }
}
