import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { ChannelListener } from '../database/channel-listener.js';
import { EXECUTION_STOPS_CHANNEL, JOB_CHANGES_CHANNEL, OWNER_RIGHTS_CHANNEL } from '../database/channels.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import { JobsRepository } from '../database/repositories/jobs.repository.js';
import type { ChannelNotice } from '../database/repositories/write-record.sql.js';
import { ExecutionRunner } from './execution-runner.js';
import { InstanceIdentity } from './instance.js';
import { JobTimerRegistry } from './job-timer.registry.js';
import type { OwnerRightsMessage } from './owner-rights.channel.js';
import { OwnerRights, type ReviewScope } from './owner-rights.js';

export { EXECUTION_STOPS_CHANNEL, JOB_CHANGES_CHANNEL } from '../database/channels.js';

interface ChangeMessage {
  job: string;
  from: string;
}

interface StopMessage {
  execution: string;
  instance: string | null;
}

/**
 * Keeps every instance's timers in step with the `jobs` table: a change made through any instance is
 * announced with NOTIFY in the same transaction (so only committed changes are heard), every instance
 * hears it on its {@link ChannelListener} (which reconnects after a database restart; this then
 * reconciles), and a periodic reconcile compares the registered timers with the table as a safety net.
 * Changes heard together are applied together: one query for every job named in the same turn of the
 * event loop (and for those heard while the previous batch was applied), one batch after the other.
 */
@Injectable()
export class JobSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobSync.name);
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** Jobs heard changed and not applied yet. */
  private readonly changed = new Set<string>();
  private applyScheduled = false;
  /** Reads-and-applies, one after the other (see {@link serially}). */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly listener: ChannelListener,
    private readonly timers: JobTimerRegistry,
    private readonly jobs: JobsRepository,
    private readonly executions: ExecutionsRepository,
    private readonly instance: InstanceIdentity,
    private readonly runner: ExecutionRunner,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly rights: OwnerRights,
  ) {
    listener.subscribe(JOB_CHANGES_CHANNEL, (payload) => this.onChange(payload));
    listener.subscribe(EXECUTION_STOPS_CHANNEL, (payload) => void this.onStop(payload));
    listener.subscribe(OWNER_RIGHTS_CHANNEL, (payload) => void this.onRightsChange(payload));
  }

  get isListening(): boolean {
    return this.listener.isListening;
  }

  /**
   * Hands every NOTIFY payload of `channel` to `handler`, on the instance's one LISTEN connection. Call
   * it before the application bootstraps (in a constructor or onModuleInit).
   */
  subscribe(channel: string, handler: (payload: string) => void): void {
    this.listener.subscribe(channel, handler);
  }

  /** Called after the listener connection came back: whatever was notified meanwhile was not heard. */
  onListenerResumed(handler: () => void): void {
    this.listener.onResumed(handler);
  }

  /** The NOTIFY that announces a change of `jobId` to the other instances (for a write statement that sends it). */
  changeNotice(jobId: string): ChannelNotice {
    const message: ChangeMessage = { job: jobId, from: this.instance.id };
    return { channel: JOB_CHANGES_CHANNEL, payload: JSON.stringify(message) };
  }

  async onApplicationBootstrap(): Promise<void> {
    // After the other subscribers' (registered in their constructors): they hear of a resume first, as before.
    this.listener.onResumed(() => void this.reconcile());
    await this.listener.start();
    const everyMs = this.config.get('scheduler.reconcileSeconds', { infer: true }) * 1000;
    this.reconcileTimer = setInterval(() => void this.reconcile(), everyMs);
    this.reconcileTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.reconcileTimer);
    await this.listener.stop();
  }

  /** Brings one job's timer in line with its row (gone or paused: unregistered). */
  async refresh(jobId: string): Promise<void> {
    await this.serially(() => this.apply([jobId]));
  }

  /**
   * Suspends or un-suspends the jobs whose owner's rights changed (every instance hears the NOTIFY
   * and runs this; the first changes the rows, the others find nothing left to change).
   */
  async reviewSuspensions(scope: ReviewScope): Promise<void> {
    const changed = await this.rights.review(scope);
    if (changed.length > 0) {
      this.logger.log(`Reviewed owners' rights: ${changed.length} jobs suspended or resumed firing`);
    }
  }

  /**
   * Registers missing active jobs, drops deleted or paused ones, reschedules changed ones; and
   * reviews suspensions (in case a NOTIFY of a user or role change was missed). The table is listed
   * before the timers are compared with it, and a job created meanwhile is registered from its NOTIFY
   * in between: so a registered job missing from the list is read again before it is dropped, never
   * dropped on the list's word alone (it would stop firing until the next reconcile).
   */
  async reconcile(): Promise<{ registered: number; dropped: number; changed: number }> {
    const counts = { registered: 0, dropped: 0, changed: 0 };
    let rows: Array<{ id: string; updatedTime: Date }>;
    try {
      rows = await this.jobs.listActiveVersionsAcrossOwners();
    } catch (error) {
      this.logger.warn(`Reconcile skipped, the database did not answer: ${(error as Error).message}`);
      return counts;
    }
    await this.stopOrphanedWork().catch(() => undefined);
    await this.reviewSuspensions('all').catch((error: Error) =>
      this.logger.warn(`Reviewing suspended jobs failed: ${error.message}`),
    );
    const active = new Map(rows.map((row) => [row.id, row.updatedTime.getTime()]));
    const unlisted = this.timers.registeredIds().filter((jobId) => !active.has(jobId));
    const added: string[] = [];
    const changed: string[] = [];
    for (const [jobId, updated] of active) {
      const known = this.timers.versionOf(jobId);
      if (known === updated) continue;
      if (known === undefined) added.push(jobId);
      else changed.push(jobId);
    }
    const stale = [...unlisted, ...added, ...changed];
    if (stale.length === 0) return counts;
    let applied: Set<string>;
    try {
      applied = await this.serially(() => this.apply(stale));
    } catch {
      return counts;
    }
    counts.dropped = unlisted.filter((jobId) => !applied.has(jobId)).length;
    counts.registered = added.filter((jobId) => applied.has(jobId)).length;
    counts.changed = changed.filter((jobId) => applied.has(jobId)).length;
    if (counts.registered + counts.dropped + counts.changed > 0) {
      this.logger.log(
        `Reconciled timers with the jobs table: ${counts.registered} added, ${counts.changed} changed, ${counts.dropped} dropped`,
      );
    }
    return counts;
  }

  /** Brings the timers of `jobIds` in line with their rows, in one query; answers the ids now registered. */
  private async apply(jobIds: string[]): Promise<Set<string>> {
    const rows = new Map((await this.jobs.findSchedulableByIdsAcrossOwners(jobIds)).map((job) => [job.id, job]));
    const registered = new Set<string>();
    for (const jobId of jobIds) {
      const job = rows.get(jobId);
      if (!job || job.paused) {
        this.timers.unregister(jobId);
      } else {
        this.timers.reschedule(job);
        registered.add(jobId);
      }
    }
    return registered;
  }

  /**
   * Runs `work` after every read-and-apply queued before it: a row read later is never overwritten
   * by one read earlier (applies of notified changes and of the reconcile take turns).
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private onChange(payload: string): void {
    let message: ChangeMessage;
    try {
      message = JSON.parse(payload) as ChangeMessage;
    } catch {
      return;
    }
    if (message.from === this.instance.id) return;
    this.changed.add(message.job);
    if (this.applyScheduled) return;
    // Once this turn's notifications are all in (no added wait for a single change); while an apply runs,
    // the changes heard meanwhile are taken together when their turn comes.
    this.applyScheduled = true;
    setImmediate(() => {
      this.applyScheduled = false;
      void this.serially(async () => {
        const jobIds = [...this.changed];
        this.changed.clear();
        if (jobIds.length === 0) return;
        await this.apply(jobIds).catch((error: Error) => {
          const named = `${jobIds.slice(0, 5).join(', ')}${jobIds.length > 5 ? ` and ${jobIds.length - 5} more` : ''}`;
          this.logger.warn(`Applying a change of job${jobIds.length > 1 ? 's' : ''} ${named} failed: ${error.message}`);
        });
      });
    });
  }

  private async onRightsChange(payload: string): Promise<void> {
    let message: OwnerRightsMessage;
    try {
      message = JSON.parse(payload) as OwnerRightsMessage;
    } catch {
      return;
    }
    const scope: ReviewScope = typeof message.owner === 'string' ? { ownerId: message.owner } : 'all';
    await this.reviewSuspensions(scope).catch((error: Error) =>
      this.logger.warn(`Reviewing the jobs of changed rights failed: ${error.message}`),
    );
  }

  private async onStop(payload: string): Promise<void> {
    let message: StopMessage;
    try {
      message = JSON.parse(payload) as StopMessage;
    } catch {
      return;
    }
    if (message.instance !== this.instance.id) return;
    this.logger.log(`Execution ${message.execution} was stopped through another instance: stopping its work`);
    await this.runner.stop(message.execution);
  }

  /** Kills work whose row another instance finished while this one did not hear it (a missed NOTIFY). */
  private async stopOrphanedWork(): Promise<void> {
    const ids = this.runner.runningIds();
    if (ids.length === 0) return;
    for (const id of await this.executions.notRunningAcrossOwners(ids)) {
      this.logger.warn(`Execution ${id} is no longer running in the database: stopping its work here`);
      await this.runner.stop(id);
    }
  }
}
