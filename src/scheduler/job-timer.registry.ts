import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { AppConfig } from '../config/app-config.js';
import type { SchedulableJobRecord } from '../database/repositories/jobs.repository.js';
import type { CronSchedule } from './cron-schedule.js';
import { FireDispatcher } from './fire-dispatcher.js';
import { cronOf, type Schedule, scheduleOf } from './schedule.js';

export const cronJobName = (jobId: string): string => `job:${jobId}`;

/** What registering a job needs of it (a Job entity is one). */
export type SchedulableJob = Omit<SchedulableJobRecord, 'updatedTime'>;

/** What makes two jobs' schedules the same: every field {@link scheduleOf} reads. */
function scheduleKey(job: SchedulableJob): string {
  return JSON.stringify([
    job.trigger,
    job.timezone,
    job.second,
    job.minute,
    job.hour,
    job.day,
    job.month,
    job.dayOfWeek,
    job.intervalSeconds,
    job.runDate?.getTime() ?? null,
    job.startDate?.getTime() ?? null,
    job.endDate?.getTime() ?? null,
  ]);
}

/** setTimeout's longest delay (about 24.8 days); a longer wait is taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The scheduler's verbs: which active jobs this instance fires, each with its schedule in the job's
 * own time zone on the dispatcher's timeline — the live view of what this instance fires. In
 * `dispatcher` mode (default) one dispatcher timer wakes for all of them and no per-job timer exists
 * (a `CronJob` per job cost ≈ 1 KiB of heap and a second parse of its cron expression per write).
 * In `cronjob` mode each cron job also has a started CronJob in Nest's SchedulerRegistry, named
 * `job:<id>`, whose tick proposes the fire; interval and date jobs a timeout of their own
 * (`job:<id>` among the registry's timeouts) that ticks at each fire.
 */
@Injectable()
export class JobTimerRegistry {
  private readonly logger = new Logger(JobTimerRegistry.name);
  /** updated_time (ms) of the row each registered job was built from, for the reconcile. */
  private readonly versions = new Map<string, number>();
  /** The key in {@link schedules} of each job registered with a next fire. */
  private readonly scheduleKeys = new Map<string, string>();
  /**
   * One Schedule per distinct set of schedule fields (trigger, cron fields, time zone, interval and
   * dates), shared by every registered job with those fields and dropped with its last one: a Schedule
   * is immutable, and a cron one's CronTime (the cron library's parsed fields) plus its lookup table
   * cost ≈ 2 KiB per copy (docs/benchmarks.md).
   */
  private readonly schedules = new Map<string, { schedule: Schedule; jobs: number }>();

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
    const key = scheduleKey(job);
    let shared = this.schedules.get(key);
    if (!shared) {
      try {
        shared = { schedule: scheduleOf(job), jobs: 0 };
      } catch (error) {
        this.logger.error(
          `Job ${job.id} (${job.name}) has an invalid schedule and will not fire: ${(error as Error).message}`,
        );
        return;
      }
    }
    const { schedule } = shared;
    const next = job.nextRunTime ?? schedule.nextAfter(new Date());
    if (!next) return;
    shared.jobs++;
    this.schedules.set(key, shared);
    this.scheduleKeys.set(job.id, key);
    this.dispatcher.track(
      {
        id: job.id,
        misfireGraceSeconds: job.misfireGraceSeconds,
        coalesce: job.coalesce,
        jitterSeconds: job.jitterSeconds,
      },
      schedule,
      next,
    );
    if (this.config.get('scheduler.mode', { infer: true }) !== 'cronjob') return;
    const cron = cronOf(schedule);
    if (cron === null) this.tickAt(job.id, schedule, next);
    else this.startCronJob(job, cron);
  }

  /** `cronjob` mode, cron jobs: the job's own started CronJob, whose tick proposes its fire. */
  private startCronJob(job: SchedulableJob, cron: CronSchedule): void {
    const cronJob = CronJob.from({
      cronTime: cron.expression,
      timeZone: job.timezone,
      start: false,
      onTick: () => this.dispatcher.onTick(job.id),
      name: cronJobName(job.id),
    });
    // The CronJob shares the schedule's CronTime (which also answers nextAfter).
    cronJob.setTime(cron.cronTime);
    this.registry.addCronJob(cronJobName(job.id), cronJob);
    cronJob.start();
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
    const key = this.scheduleKeys.get(jobId);
    if (key !== undefined) {
      this.scheduleKeys.delete(jobId);
      const shared = this.schedules.get(key);
      if (shared && --shared.jobs === 0) this.schedules.delete(key);
    }
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

  /** How many distinct schedules the registered jobs share. */
  get scheduleCount(): number {
    return this.schedules.size;
  }

  get count(): number {
    return this.dispatcher.timeline.size;
  }
}
