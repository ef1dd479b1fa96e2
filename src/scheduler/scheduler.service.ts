import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AppConfig } from '../config/app-config.js';
import { InstanceRegistryService } from './instance-registry.js';
import { Metrics } from '../metrics/metrics.service.js';
import { ExecutionRunner } from './execution-runner.js';
import { FireDispatcher } from './fire-dispatcher.js';
import { JobTimerRegistry } from './job-timer.registry.js';
import { JobsRepository } from '../database/repositories/jobs.repository.js';
import { RetryClaimer } from './retry-claimer.js';
import { Sweeper } from './sweeper.js';

export type SchedulerState = 'starting' | 'running' | 'stopping' | 'stopped';

/** Jobs read and registered per event-loop turn at start, so the server stays responsive. */
const REGISTER_PAGE = 1000;

/**
 * Brings the scheduler up after the app (every active job registered, then the dispatcher and the
 * sweeper started) and down before it (stop claiming, let running executions finish within
 * SHUTDOWN_GRACE_SECONDS, then stop them and record `stopped`).
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulerService.name);
  private current: SchedulerState = 'starting';
  private registrationMs: number | undefined;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly timers: JobTimerRegistry,
    private readonly dispatcher: FireDispatcher,
    private readonly sweeper: Sweeper,
    private readonly retries: RetryClaimer,
    private readonly runner: ExecutionRunner,
    private readonly instances: InstanceRegistryService,
    private readonly config: ConfigService<AppConfig, true>,
    metrics: Metrics,
  ) {
    metrics.observeScheduler({
      registeredJobs: () => this.timers.count,
      runningExecutions: () => this.runner.runningCount,
    });
  }

  get state(): SchedulerState {
    return this.current;
  }

  get registeredJobs(): number {
    return this.timers.count;
  }

  async onApplicationBootstrap(): Promise<void> {
    const started = performance.now();
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      // Plain rows, not entities: registering 10,000 jobs should not churn through 10,000 hydrated objects.
      const page = await this.jobs.listActiveAcrossOwners(afterId, REGISTER_PAGE);
      for (const job of page) this.timers.register(job);
      if (page.length < REGISTER_PAGE) break;
      afterId = page[page.length - 1].id;
      await nextTurn();
    }
    this.registrationMs = Math.round(performance.now() - started);
    this.dispatcher.start();
    this.sweeper.start();
    this.current = 'running';
    this.logger.log(
      `Scheduler running (${this.config.get('scheduler.mode', { infer: true })} mode): ` +
        `${this.timers.count} jobs registered in ${this.registrationMs} ms`,
    );
    void this.sweeper.sweep();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.current === 'stopped') return;
    this.current = 'stopping';
    await this.dispatcher.stop();
    await this.sweeper.stop();
    await this.retries.stop();
    const graceMs = this.config.get('shutdown.graceSeconds', { infer: true }) * 1000;
    if (this.runner.runningCount > 0) {
      this.logger.log(`Waiting up to ${graceMs / 1000} s for ${this.runner.runningCount} running executions`);
    }
    await this.runner.drain(graceMs);
    await this.instances.stop();
    this.current = 'stopped';
  }
}
