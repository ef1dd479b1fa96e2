import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.service.js';
import type { Schedule } from './schedule.js';
import { ExecutionRunner } from './execution-runner.js';
import { type CatchUpPlan, FireClaimer, type ProposedFire } from './fire-claimer.js';
import { FireTimeline, type TimelineEntry } from './fire-timeline.js';
import { type CatchUpJob, planCatchUp } from './misfire-planner.js';
import { SchedulerSwitch } from './scheduler-switch.js';

export const DISPATCHER_TIMEOUT = 'cronwarden:dispatcher';
/** A fire seen this late (or later) is a misfire: the catch-up rules decide, not a plain claim. */
export const LATE_AFTER_MS = 1_000;
/** A tick may come this much before its fire time (timer rounding); anything earlier is not its fire yet. */
const EARLY_TICK_MS = 50;
/** Longest sleep of the dispatcher timer; it re-checks at least this often. */
const MAX_SLEEP_MS = 60_000;
/** `following` fires computed per event-loop turn in the background. */
const FOLLOWING_PER_TURN = 200;
/** Only jobs firing within this window get their `following` computed ahead; the others when they come near. */
const FOLLOWING_HORIZON_MS = 120_000;
/** How often far jobs are looked at again to see whether they came near. */
const FOLLOWING_RECHECK_MS = 30_000;

export interface DispatchStats {
  fires: number;
  claimed: number;
  lostToOthers: number;
  catchUps: number;
}

/**
 * The timers propose, the database decides. Keeps the in-memory timeline of next fires; on a wake-up
 * (its own timer in `dispatcher` mode, or a job's CronJob tick in `cronjob` mode) it takes every
 * fire due now, claims all of them in one statement, hands the won ones to the runner, and moves
 * each job on to its precomputed following fire. Fires found late go through the misfire rules.
 */
@Injectable()
export class FireDispatcher {
  private readonly logger = new Logger(FireDispatcher.name);
  readonly timeline = new FireTimeline();
  readonly stats: DispatchStats = { fires: 0, claimed: 0, lostToOthers: 0, catchUps: 0 };
  private readonly jobs = new Map<string, CatchUpJob>();
  private readonly ticked = new Set<string>();
  private tickFlushScheduled = false;
  private backgroundScheduled = false;
  /** The next background turn also looks again at the jobs that were beyond the horizon. */
  private recheckFarPending = false;
  private recheck: NodeJS.Timeout | undefined;
  private active = false;
  /** Dispatches whose claims have not answered yet. */
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly claimer: FireClaimer,
    private readonly runner: ExecutionRunner,
    private readonly registry: SchedulerRegistry,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
    private readonly pauseSwitch: SchedulerSwitch,
  ) {
    // Paused, nothing was claimed (next_run_time stayed): the wake-up finds the missed fires late.
    pauseSwitch.onResume(() => this.wake());
  }

  private get ownTimer(): boolean {
    return this.config.get('scheduler.mode', { infer: true }) === 'dispatcher';
  }

  start(): void {
    this.active = true;
    this.scheduleBackgroundWork();
    this.arm();
  }

  /**
   * Stops claiming: no timer is re-armed and ticks are ignored. Resolves once claims already sent
   * have answered, so the runner has every execution this instance won before it drains.
   */
  async stop(): Promise<void> {
    this.active = false;
    clearTimeout(this.recheck);
    if (this.registry.doesExist('timeout', DISPATCHER_TIMEOUT)) this.registry.deleteTimeout(DISPATCHER_TIMEOUT);
    await Promise.allSettled([...this.inflight]);
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Adds or replaces a job that next fires at `next`. */
  track(job: CatchUpJob, schedule: Schedule, next: Date): void {
    this.jobs.set(job.id, job);
    this.timeline.set(job.id, schedule, next);
    this.scheduleBackgroundWork();
    this.arm();
  }

  /** A job's jitter (seconds) as registered here; run now is never jittered (it does not come through here). */
  private readonly jitterOf = (jobId: string): number => this.jobs.get(jobId)?.jitterSeconds ?? 0;

  untrack(jobId: string): void {
    this.jobs.delete(jobId);
    this.timeline.remove(jobId);
    this.ticked.delete(jobId);
  }

  /** `cronjob` mode: a job's CronJob ticked; its due fire is claimed with the others of this turn. */
  onTick(jobId: string): void {
    if (!this.active || this.pauseSwitch.paused) return;
    this.ticked.add(jobId);
    if (this.tickFlushScheduled) return;
    this.tickFlushScheduled = true;
    setImmediate(() => {
      this.tickFlushScheduled = false;
      const now = Date.now();
      const due: TimelineEntry[] = [];
      for (const id of this.ticked) {
        const entry = this.timeline.get(id);
        if (entry && entry.next <= now + EARLY_TICK_MS) due.push(entry);
      }
      this.ticked.clear();
      void this.inFlight(this.dispatch(due, now));
    });
  }

  /**
   * The misfire rules for one job whose next fire (`from`, its next_run_time) has long passed:
   * used by the sweeper and for fires this dispatcher itself found late.
   */
  async catchUp(jobId: string, from: Date, now = new Date()): Promise<void> {
    if (this.pauseSwitch.paused) return;
    const job = this.jobs.get(jobId);
    const entry = this.timeline.get(jobId);
    if (!job || !entry) return;
    let plan: CatchUpPlan;
    try {
      plan = planCatchUp(job, entry.schedule, from, now);
    } catch (error) {
      this.logger.error(`Planning the catch-up of job ${jobId} failed: ${(error as Error).message}`);
      return;
    }
    const claimed = await this.claimer.catchUp(plan);
    this.stats.catchUps += 1;
    this.runner.startAll(claimed, this.jitterOf);
    const current = this.timeline.get(jobId);
    if (current && current.version === entry.version) this.timeline.moveTo(jobId, plan.next?.getTime() ?? null);
    this.arm();
  }

  private inFlight(dispatch: Promise<void>): Promise<void> {
    this.inflight.add(dispatch);
    return dispatch.finally(() => this.inflight.delete(dispatch));
  }

  private arm(): void {
    if (!this.active || this.pauseSwitch.paused || !this.ownTimer) return;
    if (this.registry.doesExist('timeout', DISPATCHER_TIMEOUT)) this.registry.deleteTimeout(DISPATCHER_TIMEOUT);
    const earliest = this.timeline.earliest();
    if (earliest === undefined) return;
    const delay = Math.min(Math.max(earliest - Date.now(), 0), MAX_SLEEP_MS);
    const timer = setTimeout(() => {
      this.registry.deleteTimeout(DISPATCHER_TIMEOUT);
      this.wake();
    }, delay);
    this.registry.addTimeout(DISPATCHER_TIMEOUT, timer);
  }

  private wake(): void {
    if (!this.active || this.pauseSwitch.paused) return;
    const now = Date.now();
    const due = this.timeline.takeDue(now);
    void this.inFlight(this.dispatch(due, now)).finally(() => this.arm());
    this.arm();
  }

  private async dispatch(due: TimelineEntry[], now: number): Promise<void> {
    if (due.length === 0) return;
    if (this.pauseSwitch.paused) {
      // Not claimed, so next_run_time stays: back on the timeline for the wake-up at resume.
      for (const entry of due) this.timeline.moveTo(entry.jobId, entry.next, entry.following);
      return;
    }
    const fires: ProposedFire[] = [];
    const late: Array<{ jobId: string; from: Date }> = [];
    for (const entry of due) {
      if (now - entry.next >= LATE_AFTER_MS) {
        late.push({ jobId: entry.jobId, from: new Date(entry.next) });
        continue;
      }
      const following = this.timeline.followingOf(entry);
      fires.push({
        jobId: entry.jobId,
        scheduled: new Date(entry.next),
        following: following === null ? null : new Date(following),
      });
      this.timeline.moveTo(entry.jobId, following);
    }
    this.scheduleBackgroundWork();
    this.stats.fires += fires.length;
    try {
      const { executions: claimed, suspended } = await this.claimer.claim(fires);
      // A suspended job's fire is claimed here too (next_run_time moved on), only without a row.
      const won = claimed.length + suspended;
      const lost = fires.length - won;
      this.stats.claimed += won;
      this.stats.lostToOthers += lost;
      this.metrics.fires.inc({ claimed_by: 'this_instance' }, won);
      if (lost > 0) {
        this.metrics.fires.inc({ claimed_by: 'another_instance' }, lost);
        this.metrics.claimsLost.inc(lost);
      }
      this.runner.startAll(claimed, this.jitterOf);
    } catch (error) {
      // The database is unreachable: next_run_time was not advanced, so the sweeper catches these up later.
      this.logger.error(`Claiming ${fires.length} fires failed: ${(error as Error).message}`);
    }
    for (const { jobId, from } of late) {
      await this.catchUp(jobId, from).catch((error: unknown) =>
        this.logger.error(`Catching up job ${jobId} failed: ${(error as Error).message}`),
      );
    }
  }

  /**
   * Computes `following` fires a slice at a time, so registering or firing thousands of jobs never
   * blocks, and only for jobs due within the next two minutes (a job firing daily needs it once a day).
   */
  private scheduleBackgroundWork(recheckFar = false): void {
    this.recheckFarPending ||= recheckFar;
    if (this.backgroundScheduled) return;
    this.backgroundScheduled = true;
    setImmediate(() => {
      this.backgroundScheduled = false;
      const far = this.recheckFarPending;
      this.recheckFarPending = false;
      const near = this.timeline.computeFollowing(FOLLOWING_PER_TURN, Date.now() + FOLLOWING_HORIZON_MS, far);
      if (near > 0) this.scheduleBackgroundWork();
      else if (this.timeline.pendingFollowing > 0 && !this.recheck) {
        this.recheck = setTimeout(() => {
          this.recheck = undefined;
          this.scheduleBackgroundWork(true);
        }, FOLLOWING_RECHECK_MS);
        this.recheck.unref();
      }
    });
  }
}
