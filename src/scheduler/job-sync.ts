import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { ExecutionRunner } from './execution-runner.js';
import { InstanceIdentity } from './instance.js';
import { JobTimerRegistry } from './job-timer.registry.js';
import { JobsRepository } from '../database/repositories/jobs.repository.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import { EXECUTION_STOPS_CHANNEL, JOB_CHANGES_CHANNEL } from '../database/channels.js';
import { OWNER_RIGHTS_CHANNEL, type OwnerRightsMessage } from './owner-rights.channel.js';
import { OwnerRights, type ReviewScope } from './owner-rights.js';

export { EXECUTION_STOPS_CHANNEL, JOB_CHANGES_CHANNEL } from '../database/channels.js';
const RECONNECT_MAX_MS = 10_000;

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
 * LISTENs on a dedicated connection (reconnecting, then reconciling, after a database restart), and a
 * periodic reconcile compares the registered timers with the table as a safety net.
 */
@Injectable()
export class JobSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobSync.name);
  private listener: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = 250;
  private stopped = false;
  private listening = false;
  /** Further channels heard on the same connection (the event stream's), with their handlers. */
  private readonly subscribers = new Map<string, Array<(payload: string) => void>>();
  private readonly resumedHandlers: Array<() => void> = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly timers: JobTimerRegistry,
    private readonly jobs: JobsRepository,
    private readonly executions: ExecutionsRepository,
    private readonly instance: InstanceIdentity,
    private readonly runner: ExecutionRunner,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly rights: OwnerRights,
  ) {}

  get isListening(): boolean {
    return this.listening;
  }

  /**
   * Hands every NOTIFY payload of `channel` to `handler`, LISTENing on this class's connection (no
   * connection of its own). Call it before the application bootstraps (in a constructor or onModuleInit).
   */
  subscribe(channel: string, handler: (payload: string) => void): void {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
    const handlers = this.subscribers.get(channel) ?? [];
    handlers.push(handler);
    this.subscribers.set(channel, handlers);
  }

  /** Called after the listener connection came back: whatever was notified meanwhile was not heard. */
  onListenerResumed(handler: () => void): void {
    this.resumedHandlers.push(handler);
  }

  /** Announces a change of `jobId` to every instance, when `manager`'s transaction commits. */
  async announce(manager: EntityManager, jobId: string): Promise<void> {
    const message: ChangeMessage = { job: jobId, from: this.instance.id };
    await manager.query('SELECT pg_notify($1, $2)', [JOB_CHANGES_CHANNEL, JSON.stringify(message)]);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    const everyMs = this.config.get('scheduler.reconcileSeconds', { infer: true }) * 1000;
    this.reconcileTimer = setInterval(() => void this.reconcile(), everyMs);
    this.reconcileTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.reconcileTimer);
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  /** Brings one job's timer in line with its row (gone or paused: unregistered). */
  async refresh(jobId: string): Promise<void> {
    const job = await this.jobs.findSchedulableAcrossOwners(jobId);
    if (!job || job.paused) this.timers.unregister(jobId);
    else this.timers.reschedule(job);
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
   * reviews suspensions (in case a NOTIFY of a user or role change was missed).
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
    for (const jobId of this.timers.registeredIds()) {
      if (!active.has(jobId)) {
        this.timers.unregister(jobId);
        counts.dropped += 1;
      }
    }
    for (const [jobId, updated] of active) {
      const known = this.timers.versionOf(jobId);
      if (known === updated) continue;
      await this.refresh(jobId).catch(() => undefined);
      if (known === undefined) counts.registered += 1;
      else counts.changed += 1;
    }
    if (counts.registered + counts.dropped + counts.changed > 0) {
      this.logger.log(
        `Reconciled timers with the jobs table: ${counts.registered} added, ${counts.changed} changed, ${counts.dropped} dropped`,
      );
    }
    return counts;
  }

  private async listen(): Promise<void> {
    const options = this.dataSource.driver.options as { url?: string };
    const client = new pg.Client({ connectionString: options.url, application_name: 'cronwarden-listener' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (!message.payload) return;
      if (message.channel === JOB_CHANGES_CHANNEL) void this.onChange(message.payload);
      else if (message.channel === EXECUTION_STOPS_CHANNEL) void this.onStop(message.payload);
      else if (message.channel === OWNER_RIGHTS_CHANNEL) void this.onRightsChange(message.payload);
      for (const handler of this.subscribers.get(message.channel) ?? []) handler(message.payload);
    });
    try {
      await client.connect();
      const channels = new Set([
        JOB_CHANGES_CHANNEL,
        EXECUTION_STOPS_CHANNEL,
        OWNER_RIGHTS_CHANNEL,
        ...this.subscribers.keys(),
      ]);
      await client.query([...channels].map((channel) => `LISTEN ${channel}`).join('; '));
      this.listener = client;
      this.listening = true;
      this.reconnectDelay = 250;
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private async onChange(payload: string): Promise<void> {
    let message: ChangeMessage;
    try {
      message = JSON.parse(payload) as ChangeMessage;
    } catch {
      return;
    }
    if (message.from === this.instance.id) return;
    await this.refresh(message.job).catch((error: Error) =>
      this.logger.warn(`Applying a change of job ${message.job} failed: ${error.message}`),
    );
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

  /** The LISTEN connection broke (database restart): reconnect with backoff, then reconcile what was missed. */
  private lost(client: pg.Client, error?: Error): void {
    if (this.listener && this.listener !== client) return;
    this.listener = undefined;
    const wasListening = this.listening;
    this.listening = false;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.stopped || this.reconnectTimer) return;
    if (wasListening)
      this.logger.warn(`Lost the job-change listener${error ? `: ${error.message}` : ''}; reconnecting`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen().then(() => {
        if (this.listening && wasListening) {
          this.logger.log('Job-change listener back');
          for (const handler of this.resumedHandlers) handler();
          void this.reconcile();
        }
      });
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
  }
}
