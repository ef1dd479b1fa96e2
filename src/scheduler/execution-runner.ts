import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.service.js';
import { type ExecutionOutcome, failed, succeeded } from './execution-result.js';
import { JobClassRegistry } from '../job-classes/job-class.registry.js';
import { JobFailedError } from '../job-classes/job-class.types.js';
import type { ClaimedExecution } from './fire-claimer.js';
import { InstanceIdentity } from './instance.js';
import { jitterDelayMs, JitterWait } from './jitter.js';
import { ExecutionsRepository, type PendingRetry } from '../database/repositories/executions.repository.js';

/** `shutdown`: stopped because this instance is shutting down (recorded as `stopped`, saying so). */
type StopReason = 'timeout' | 'stopped' | 'shutdown';

interface RunningExecution {
  controller: AbortController;
  settled: Promise<void>;
  stopReason?: StopReason;
  /** How long the class gets to give up after its abort (default {@link ABORT_GRACE_MS}). */
  abandonAfterMs?: number;
  /** While the run waits out its jitter. */
  jitter?: JitterWait;
}

interface Finish {
  id: string;
  outcome: ExecutionOutcome;
  finishedAt: Date;
}

/** Where the output of runs goes while they run (live output, `OutputHub`); optional, set at start. */
export interface LiveOutputSink {
  /** The tap for one execution's stdout/stderr chunks. */
  tap(executionId: string): (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** The class has returned: no more output comes (called before the row is finished). */
  finished(executionId: string): void;
}

/** How long a class gets to give up after its abort before the row is finished anyway. */
const ABORT_GRACE_MS = 5_000;
/**
 * The same at shutdown, when a supervisor's SIGKILL is near: enough for a sandbox's SIGTERM → SIGKILL
 * (2 s) and its pipes, short enough that the process is gone within SHUTDOWN_GRACE_SECONDS + 5 s.
 */
export const SHUTDOWN_ABANDON_MS = 2_500;
export const SHUTDOWN_DESCRIPTION = 'Stopped: the server shut down before the run finished';
/** Finishes written together: many executions end within the same few milliseconds. */
const FINISH_BATCH = 500;

/**
 * Runs claimed executions through their job class, each on its own promise (a slow job never holds
 * up another), with the job's timeout; records how each ended. A row is only finished by the
 * instance that runs it and only while it is still `running` (a stop from elsewhere wins).
 */
@Injectable()
export class ExecutionRunner implements OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionRunner.name);
  private readonly running = new Map<string, RunningExecution>();
  private finishQueue: Finish[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private liveOutput: LiveOutputSink | undefined;
  private retriesWritten: ((retries: PendingRetry[]) => void) | undefined;

  constructor(
    private readonly executions: ExecutionsRepository,
    private readonly classes: JobClassRegistry,
    private readonly instance: InstanceIdentity,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
  ) {}

  /** Hands the output of every run from now on to `sink` as it is written. */
  useLiveOutput(sink: LiveOutputSink): void {
    this.liveOutput = sink;
  }

  /** Tells `listener` of the retries each finish writes (the retry claimer wakes up when they are due). */
  onRetriesWritten(listener: (retries: PendingRetry[]) => void): void {
    this.retriesWritten = listener;
  }

  get runningCount(): number {
    return this.running.size;
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Starts every `running` execution of the list; returns at once. `jitterSecondsOf` (scheduled
   * fires) delays each start by a random 0..jitter of its job.
   */
  startAll(executions: ClaimedExecution[], jitterSecondsOf?: (jobId: string) => number): void {
    const now = Date.now();
    for (const execution of executions) {
      if (execution.state === 'running') {
        this.metrics.fireDelay.observe(Math.max(now - execution.scheduledTime.getTime(), 0) / 1000);
        this.start(execution, jitterSecondsOf ? jitterDelayMs(jitterSecondsOf(execution.jobId)) : 0);
      } else {
        this.metrics.executions.inc({ state: execution.state, job_class: execution.jobClassString });
      }
    }
  }

  /**
   * Runs a claimed execution, after `jitterMs`: meanwhile the row is `running` (it holds its slot of
   * max_instances and MAX_RUNNING_PER_USER), the timeout starts with the real start, and started_time
   * is rewritten to it. A stop during the wait ends it `stopped` without running; a shutdown ends the
   * wait at once (the fire runs, under the shutdown grace like any other).
   */
  start(execution: ClaimedExecution, jitterMs = 0): void {
    const controller = new AbortController();
    const entry: RunningExecution = { controller, settled: Promise.resolve() };
    if (jitterMs > 0) entry.jitter = new JitterWait(jitterMs, controller.signal);
    this.running.set(execution.executionId, entry);
    entry.settled = this.run(execution, entry).finally(() => this.running.delete(execution.executionId));
  }

  /**
   * Stops an execution running here: aborts its class and waits (briefly) for the row to say
   * `stopped`. Returns false when it does not run on this instance.
   */
  async stop(executionId: string): Promise<boolean> {
    const entry = this.running.get(executionId);
    if (!entry) return false;
    entry.stopReason ??= 'stopped';
    entry.controller.abort(new Error('stopped on request'));
    await entry.settled;
    await this.flushNow();
    return true;
  }

  /**
   * Waits up to `graceMs` for running executions to finish, then stops the rest (their classes kill
   * their process groups; the rows say `stopped`, because the server shut down), and writes every
   * outcome. A class that ignores the stop is given {@link SHUTDOWN_ABANDON_MS}, then left behind.
   */
  async drain(graceMs: number): Promise<void> {
    const all = (): Promise<unknown> => Promise.all([...this.running.values()].map((entry) => entry.settled));
    for (const entry of this.running.values()) entry.jitter?.release();
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const entry of this.running.values()) {
      entry.stopReason ??= 'shutdown';
      entry.abandonAfterMs = SHUTDOWN_ABANDON_MS;
      entry.controller.abort(new Error('the instance is shutting down'));
    }
    await all();
    await this.flushNow();
  }

  /** Writes every queued finish now (after the ones already being written). */
  private flushNow(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flush());
    return this.flushing;
  }

  /** Last resort when the app closes without {@link drain} (tests closing the app): stop everything at once. */
  async onApplicationShutdown(): Promise<void> {
    if (this.running.size > 0) await this.drain(0);
  }

  private async run(execution: ClaimedExecution, entry: RunningExecution): Promise<void> {
    if (entry.jitter && !(await this.waitOutJitter(execution, entry.jitter))) {
      const outcome: ExecutionOutcome = {
        state: 'stopped',
        result: null,
        description: entry.stopReason === 'shutdown' ? SHUTDOWN_DESCRIPTION : 'Stopped before its jittered start',
      };
      this.metrics.executions.inc({ state: outcome.state, job_class: execution.jobClassString });
      this.finishLater({ id: execution.executionId, outcome, finishedAt: new Date() });
      return;
    }
    const startedAt = Date.now();
    const { resultMaxBytes, outputMaxBytes } = this.config.get('jobs', { infer: true });
    const jobClass = this.classes.get(execution.jobClassString);
    let outcome: ExecutionOutcome;
    if (!jobClass) {
      outcome = {
        state: 'failed',
        result: null,
        description: `Job class ${execution.jobClassString} is not available on this instance`,
      };
    } else {
      const timer = setTimeout(() => {
        entry.stopReason ??= 'timeout';
        entry.controller.abort(new Error(`timed out after ${execution.timeoutSeconds} s`));
      }, execution.timeoutSeconds * 1000);
      timer.unref();
      try {
        const value = await this.untilSettledOrAbandoned(
          jobClass.handler.run(execution.pubArgs, {
            executionId: execution.executionId,
            jobId: execution.jobId,
            ownerId: execution.ownerId,
            signal: entry.controller.signal,
            logger: this.logger,
            outputMaxBytes,
            onOutput: this.liveOutput?.tap(execution.executionId),
          }),
          entry,
        );
        outcome = succeeded(value, resultMaxBytes);
      } catch (error) {
        outcome = failed(error, resultMaxBytes);
        // The row keeps only the message of a server-side error; its stack is for the operator.
        if (error instanceof Error && !(error instanceof JobFailedError)) {
          this.logger.debug(`Execution ${execution.executionId} failed: ${error.stack ?? error.message}`);
        }
      } finally {
        clearTimeout(timer);
      }
      if (entry.stopReason === 'timeout') {
        outcome = { ...outcome, state: 'timeout', description: `Timed out after ${execution.timeoutSeconds} s` };
      } else if (entry.stopReason === 'stopped') {
        outcome = { ...outcome, state: 'stopped', description: 'Stopped' };
      } else if (entry.stopReason === 'shutdown') {
        outcome = { ...outcome, state: 'stopped', description: SHUTDOWN_DESCRIPTION };
      }
    }
    this.liveOutput?.finished(execution.executionId);
    const finishedAt = new Date();
    const labels = { state: outcome.state, job_class: execution.jobClassString };
    this.metrics.executions.inc(labels);
    this.metrics.executionDuration.observe(labels, (finishedAt.getTime() - startedAt) / 1000);
    this.finishLater({ id: execution.executionId, outcome, finishedAt });
  }

  /** Waits out the jitter, then records the real start; false when the execution was stopped meanwhile. */
  private async waitOutJitter(execution: ClaimedExecution, jitter: JitterWait): Promise<boolean> {
    if (!(await jitter.done)) return false;
    try {
      await this.executions.markStarted(execution.executionId, this.instance.id, new Date());
    } catch (error) {
      // The run goes ahead; started_time keeps the claim time.
      this.logger.warn(`Recording the start of execution ${execution.executionId} failed: ${(error as Error).message}`);
    }
    return true;
  }

  /** The class's promise, or a rejection some seconds after an abort the class ignores. */
  private untilSettledOrAbandoned<T>(work: Promise<T>, entry: RunningExecution): Promise<T> {
    const signal = entry.controller.signal;
    return new Promise<T>((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        const reason: unknown = signal.reason;
        grace = setTimeout(
          () => reject(reason instanceof Error ? reason : new Error(String(reason))),
          entry.abandonAfterMs ?? ABORT_GRACE_MS,
        );
        grace.unref();
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => {
        clearTimeout(grace);
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  private finishLater(finish: Finish): void {
    this.finishQueue.push(finish);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flushing.then(() => this.flush());
    });
  }

  /**
   * Writes queued finishes, many per statement; only rows this instance still runs. What the claim
   * wrote in `description` (a catch-up run saying how many fires it stands for) is kept, the
   * outcome's own description appended.
   */
  private async flush(): Promise<void> {
    while (this.finishQueue.length > 0) {
      const batch = this.finishQueue.splice(0, FINISH_BATCH);
      let retries: PendingRetry[];
      try {
        retries = await this.executions.finishIfOwned(
          batch.map((finish) => ({
            id: finish.id,
            state: finish.outcome.state,
            finishedAt: finish.finishedAt,
            result: finish.outcome.result,
            description: finish.outcome.description,
          })),
          this.instance.id,
        );
      } catch (error) {
        this.logger.error(
          `Recording ${batch.length} finished executions failed, retrying: ${(error as Error).message}`,
        );
        this.retryLater(batch);
        return;
      }
      if (retries.length > 0) {
        this.metrics.retries.inc({ outcome: 'scheduled' }, retries.length);
        this.retriesWritten?.(retries);
      }
    }
  }

  /** The database is away: keep the outcomes and try again (rows stay `running` meanwhile). */
  private retryLater(batch: Finish[]): void {
    this.finishQueue.unshift(...batch);
    const timer = setTimeout(() => {
      this.flushing = this.flushing.then(() => this.flush());
    }, 1_000);
    timer.unref();
  }
}
