import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { SCHEDULER_SWITCH_CHANNEL } from '../database/channels.js';
import { SchedulerStateRepository } from '../database/repositories/scheduler-state.repository.js';
import { Metrics } from '../metrics/metrics.service.js';
import { InstanceIdentity } from './instance.js';
import { JobSync } from './job-sync.js';
import { SchedulerSwitch } from './scheduler-switch.js';

/** How often the switch is re-read while the LISTEN connection is down (or the hold not yet written). */
export const SWITCH_POLL_MS = 1_000;

/**
 * Keeps {@link SchedulerSwitch} in step with the `scheduler_state` row: read at start (and the
 * start-paused hold written), re-read on every NOTIFY of a change (heard on the job-sync
 * connection), after that connection comes back, every second while it is down, and every
 * RECONCILE_SECONDS as a safety net.
 */
@Injectable()
export class SchedulerSwitchSync implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SchedulerSwitchSync.name);
  private timer: NodeJS.Timeout | undefined;
  private holdPending: boolean;
  private lastReadAt = 0;
  private reading: Promise<void> | undefined;
  private again: Promise<void> | undefined;

  constructor(
    private readonly state: SchedulerSwitch,
    private readonly repository: SchedulerStateRepository,
    private readonly sync: JobSync,
    private readonly instance: InstanceIdentity,
    private readonly config: ConfigService<AppConfig, true>,
    metrics: Metrics,
  ) {
    this.holdPending = config.get('scheduler.startPaused', { infer: true });
    metrics.observeSwitch(() => state.paused);
  }

  async onModuleInit(): Promise<void> {
    this.sync.subscribe(SCHEDULER_SWITCH_CHANNEL, () => void this.reload());
    this.sync.onListenerResumed(() => void this.reload());
    await this.reload();
    this.timer = setInterval(() => {
      const reconcileMs = this.config.get('scheduler.reconcileSeconds', { infer: true }) * 1000;
      if (this.holdPending || !this.sync.isListening || Date.now() - this.lastReadAt >= reconcileMs) {
        void this.reload();
      }
    }, SWITCH_POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Re-reads the row (writing this instance's start-paused hold first, once). Never throws. A call
   * while a read is under way reads once more after it (that read may predate the change announced).
   */
  reload(): Promise<void> {
    if (this.reading) {
      this.again ??= this.reading.then(() => {
        this.again = undefined;
        return this.reload();
      });
      return this.again;
    }
    this.reading = this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      if (this.holdPending) {
        const staleSeconds = this.config.get('instances.staleSeconds', { infer: true });
        await this.repository.hold(this.instance.id, staleSeconds);
        this.holdPending = false;
        this.logger.log(
          'SCHEDULER_START_PAUSED=true: this instance fires nothing until an admin resumes the scheduler',
        );
      }
      const view = await this.repository.viewOf(this.instance.id);
      this.lastReadAt = Date.now();
      // Until the hold is written, it holds all the same.
      this.state.apply({ paused: view.paused, held: view.held || this.holdPending });
    } catch (error) {
      this.logger.warn(`Reading the scheduler switch failed: ${(error as Error).message}`);
    }
  }
}
