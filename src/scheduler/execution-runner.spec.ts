import type { ConfigService } from '@nestjs/config';
import { FakeExecutionsRepository } from '../../test/support/new-test-service.js';
import type { AppConfig } from '../config/app-config.js';
import type { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import type { JobClassRegistry } from '../job-classes/job-class.registry.js';
import type { Metrics } from '../metrics/metrics.service.js';
import { ExecutionRunner, SHUTDOWN_DESCRIPTION } from './execution-runner.js';
import type { ClaimedExecution } from './fire-claimer.js';
import type { InstanceIdentity } from './instance.js';

type Run = (args: unknown[], context: { signal: AbortSignal }) => Promise<unknown>;

function newTestRunner(classes: Record<string, Run>) {
  const executions = new FakeExecutionsRepository();
  const counter = { inc: () => undefined, observe: () => undefined };
  const runner = new ExecutionRunner(
    executions as unknown as ExecutionsRepository,
    {
      get: (name: string) => (classes[name] ? { handler: { run: classes[name] } } : undefined),
    } as unknown as JobClassRegistry,
    { id: 'instance-1' } as unknown as InstanceIdentity,
    {
      get: () => ({ resultMaxBytes: 10_000, outputMaxBytes: 10_000 }),
    } as unknown as ConfigService<AppConfig, true>,
    { executions: counter, executionDuration: counter, fireDelay: counter } as unknown as Metrics,
  );
  return { runner, executions };
}

const claimed = (executionId: string, jobClassString: string, timeoutSeconds = 60): ClaimedExecution => ({
  executionId,
  jobId: 'job-1',
  ownerId: 'alice',
  jobName: 'job',
  jobClassString,
  pubArgs: ['hello'],
  timeoutSeconds,
  scheduledTime: new Date(),
  state: 'running',
});

/** Runs until every queued finish is written. */
async function settle(runner: ExecutionRunner): Promise<void> {
  await runner.drain(5_000);
}

describe('ExecutionRunner (repository faked)', () => {
  it('records a success with its JSON result, as this instance (finish only if still its own)', async () => {
    const { runner, executions } = newTestRunner({ Echo: (args) => Promise.resolve({ said: args[0] }) });
    runner.start(claimed('e-1', 'Echo'));
    await settle(runner);
    expect(executions.finished).toHaveLength(1);
    expect(executions.finished[0].instanceId).toBe('instance-1');
    expect(executions.finished[0].finishes).toEqual([
      expect.objectContaining({ id: 'e-1', state: 'succeeded', result: '{"said":"hello"}' }),
    ]);
  });

  it('records a failure with the error, and a class missing here as failed', async () => {
    const { runner, executions } = newTestRunner({ Boom: () => Promise.reject(new Error('boom')) });
    runner.start(claimed('e-2', 'Boom'));
    runner.start(claimed('e-3', 'Gone'));
    await settle(runner);
    const finishes = executions.finished.flatMap((batch) => batch.finishes);
    expect(finishes.find((finish) => finish.id === 'e-2')).toMatchObject({ state: 'failed' });
    expect(finishes.find((finish) => finish.id === 'e-3')).toMatchObject({
      state: 'failed',
      description: 'Job class Gone is not available on this instance',
    });
  });

  it('stops a run on request: the class is aborted, the row says stopped', async () => {
    const waitForAbort: Run = (_args, { signal }) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const { runner, executions } = newTestRunner({ Wait: waitForAbort });
    runner.start(claimed('e-4', 'Wait'));
    expect(runner.runningCount).toBe(1);
    await expect(runner.stop('e-4')).resolves.toBe(true);
    await expect(runner.stop('not-here')).resolves.toBe(false);
    expect(executions.finished.flatMap((batch) => batch.finishes)).toEqual([
      expect.objectContaining({ id: 'e-4', state: 'stopped', description: 'Stopped' }),
    ]);
  });

  it('at shutdown past the grace time, stops what still runs and says so', async () => {
    const waitForAbort: Run = (_args, { signal }) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const { runner, executions } = newTestRunner({ Wait: waitForAbort });
    runner.start(claimed('e-5', 'Wait'));
    await runner.drain(10);
    expect(executions.finished.flatMap((batch) => batch.finishes)).toEqual([
      expect.objectContaining({ id: 'e-5', state: 'stopped', description: SHUTDOWN_DESCRIPTION }),
    ]);
    expect(runner.runningCount).toBe(0);
  });

  it('starts a jittered run after its delay, records the real start, and times it from there', async () => {
    let ranAt = 0;
    const { runner, executions } = newTestRunner({
      Echo: () => {
        ranAt = Date.now();
        return Promise.resolve('ok');
      },
    });
    const before = Date.now();
    runner.start(claimed('e-6', 'Echo', 1), 300);
    expect(runner.runningCount).toBe(1); // holds its slot while it waits
    await new Promise((resolve) => setTimeout(resolve, 600));
    await settle(runner);
    expect(ranAt - before).toBeGreaterThanOrEqual(290);
    expect(executions.started).toEqual([expect.objectContaining({ id: 'e-6', instanceId: 'instance-1' })]);
    expect(executions.started[0].startedAt.getTime()).toBeGreaterThanOrEqual(before + 290);
    expect(executions.finished.flatMap((batch) => batch.finishes)).toEqual([
      expect.objectContaining({ id: 'e-6', state: 'succeeded' }),
    ]);
  });

  it('at shutdown, starts a run still waiting out its jitter at once instead of losing it', async () => {
    const { runner, executions } = newTestRunner({ Echo: () => Promise.resolve('ok') });
    runner.start(claimed('e-7', 'Echo'), 60_000);
    const before = Date.now();
    await runner.drain(5_000);
    expect(Date.now() - before).toBeLessThan(2_000);
    expect(executions.started.map((start) => start.id)).toEqual(['e-7']);
    expect(executions.finished.flatMap((batch) => batch.finishes)).toEqual([
      expect.objectContaining({ id: 'e-7', state: 'succeeded' }),
    ]);
  });

  it('a run stopped while it waits out its jitter never starts and says so', async () => {
    let ran = false;
    const { runner, executions } = newTestRunner({
      Echo: () => {
        ran = true;
        return Promise.resolve('ok');
      },
    });
    runner.start(claimed('e-8', 'Echo'), 60_000);
    await expect(runner.stop('e-8')).resolves.toBe(true);
    expect(ran).toBe(false);
    expect(executions.started).toEqual([]);
    expect(executions.finished.flatMap((batch) => batch.finishes)).toEqual([
      expect.objectContaining({ id: 'e-8', state: 'stopped', description: 'Stopped before its jittered start' }),
    ]);
  });
});
