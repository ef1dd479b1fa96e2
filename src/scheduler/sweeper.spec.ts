import type { ConfigService } from '@nestjs/config';
import { FakeJobsRepository, fakeConfig } from '../../test/support/new-test-service.js';
import type { AppConfig } from '../config/app-config.js';
import type { JobsRepository } from '../database/repositories/jobs.repository.js';
import type { FireDispatcher } from './fire-dispatcher.js';
import type { JobTimerRegistry } from './job-timer.registry.js';
import type { RetryClaimer } from './retry-claimer.js';
import { Sweeper } from './sweeper.js';

function newTestService(options: { active?: boolean } = {}) {
  const jobs = new FakeJobsRepository();
  const caughtUp: Array<{ jobId: string; from: Date }> = [];
  const registered = new Set<string>();
  /** Jobs whose catch-up fails. */
  const failing = new Set<string>();
  const dispatcher = {
    isActive: options.active ?? true,
    catchUp: (jobId: string, from: Date) => {
      caughtUp.push({ jobId, from });
      return failing.has(jobId) ? Promise.reject(new Error('deadlock')) : Promise.resolve();
    },
  };
  const timers = {
    isRegistered: (jobId: string) => registered.has(jobId),
    register: (job: { id: string }) => void registered.add(job.id),
  };
  /** How many times a sweep asked for due retries. */
  const retryPasses = { count: 0 };
  const retries = {
    claimDue: () => {
      retryPasses.count += 1;
      return Promise.resolve();
    },
  };
  const sweeper = new Sweeper(
    jobs as unknown as JobsRepository,
    dispatcher as unknown as FireDispatcher,
    timers as unknown as JobTimerRegistry,
    retries as unknown as RetryClaimer,
    fakeConfig({ 'scheduler.sweepIntervalSeconds': 5 }) as unknown as ConfigService<AppConfig, true>,
  );
  return { sweeper, jobs, dispatcher, caughtUp, registered, failing, retryPasses };
}

const ago = (seconds: number): Date => new Date(Date.now() - seconds * 1000);

describe('Sweeper (repositories faked)', () => {
  it('catches up every overdue active job, most overdue first, registering those this instance lacks', async () => {
    const { sweeper, jobs, caughtUp, registered, retryPasses } = newTestService();
    const recent = jobs.add({ ownerId: 'alice', nextRunTime: ago(10) });
    const oldest = jobs.add({ ownerId: 'bob', nextRunTime: ago(600) });
    jobs.add({ ownerId: 'alice', nextRunTime: ago(600), paused: true });
    jobs.add({ ownerId: 'alice', nextRunTime: new Date(Date.now() + 60_000) });
    registered.add(recent.id);
    await sweeper.sweep();
    expect(jobs.overdueQueries).toEqual([{ lateSeconds: 1, limit: 500 }]);
    expect(caughtUp).toEqual([
      { jobId: oldest.id, from: oldest.nextRunTime },
      { jobId: recent.id, from: recent.nextRunTime },
    ]);
    expect([...registered].sort()).toEqual([recent.id, oldest.id].sort());
    expect(retryPasses.count).toBe(1); // and the due retries were claimed
  });

  it('asks nothing while the dispatcher is stopped', async () => {
    const { sweeper, jobs, caughtUp, retryPasses } = newTestService({ active: false });
    jobs.add({ ownerId: 'alice', nextRunTime: ago(60) });
    await sweeper.sweep();
    expect(jobs.overdueQueries).toEqual([]);
    expect(caughtUp).toEqual([]);
    expect(retryPasses.count).toBe(0);
  });

  it('goes on with the next job when one catch-up fails', async () => {
    const { sweeper, jobs, caughtUp, failing } = newTestService();
    const a = jobs.add({ ownerId: 'alice', nextRunTime: ago(120) });
    const b = jobs.add({ ownerId: 'alice', nextRunTime: ago(60) });
    failing.add(a.id);
    await expect(sweeper.sweep()).resolves.toBeUndefined();
    expect(caughtUp.map((call) => call.jobId)).toEqual([a.id, b.id]);
  });

  it('skips a pass when the database does not answer', async () => {
    const { sweeper, jobs, caughtUp } = newTestService();
    jobs.listOverdueAcrossOwners = () => Promise.reject(new Error('connection refused'));
    await expect(sweeper.sweep()).resolves.toBeUndefined();
    expect(caughtUp).toEqual([]);
  });

  it('runs one pass at a time: a sweep while one is under way joins it', async () => {
    const { sweeper, jobs } = newTestService();
    jobs.add({ ownerId: 'alice', nextRunTime: ago(60) });
    await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    expect(jobs.overdueQueries).toHaveLength(1);
    await sweeper.sweep();
    expect(jobs.overdueQueries).toHaveLength(2);
  });
});
