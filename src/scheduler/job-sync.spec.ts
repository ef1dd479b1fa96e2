import type { ConfigService } from '@nestjs/config';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FakeJobsRepository, fakeConfig } from '../../test/support/new-test-service.js';
import type { AppConfig } from '../config/app-config.js';
import type { ChannelListener } from '../database/channel-listener.js';
import { JOB_CHANGES_CHANNEL } from '../database/channels.js';
import type { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import type { JobsRepository, SchedulableJobRecord } from '../database/repositories/jobs.repository.js';
import type { ExecutionRunner } from './execution-runner.js';
import type { InstanceIdentity } from './instance.js';
import type { JobTimerRegistry } from './job-timer.registry.js';
import { JobSync } from './job-sync.js';
import type { OwnerRights } from './owner-rights.js';

const SELF = 'instance-self';

function newTestService() {
  const jobs = new FakeJobsRepository();
  const handlers = new Map<string, Array<(payload: string) => void>>();
  const listener = {
    isListening: true,
    subscribe: (channel: string, handler: (payload: string) => void) =>
      void handlers.set(channel, [...(handlers.get(channel) ?? []), handler]),
    onResumed: () => undefined,
  };
  /** Registered timers: job id → updated_time (ms) of the row they were built from. */
  const timers = new Map<string, number>();
  const registry = {
    reschedule: (job: SchedulableJobRecord) => void timers.set(job.id, job.updatedTime.getTime()),
    unregister: (jobId: string) => void timers.delete(jobId),
    registeredIds: () => [...timers.keys()],
    versionOf: (jobId: string) => timers.get(jobId),
  };
  const sync = new JobSync(
    listener as unknown as ChannelListener,
    registry as unknown as JobTimerRegistry,
    jobs as unknown as JobsRepository,
    { notRunningAcrossOwners: () => Promise.resolve([]) } as unknown as ExecutionsRepository,
    { id: SELF } as unknown as InstanceIdentity,
    { runningIds: () => [] } as unknown as ExecutionRunner,
    fakeConfig({ 'scheduler.reconcileSeconds': 30 }) as unknown as ConfigService<AppConfig, true>,
    { review: () => Promise.resolve([]) } as unknown as OwnerRights,
  );
  const hear = (jobId: string, from = 'instance-other'): void => {
    for (const handler of handlers.get(JOB_CHANGES_CHANNEL) ?? []) handler(JSON.stringify({ job: jobId, from }));
  };
  return { sync, jobs, timers, hear };
}

/** Lets the queued applies run (each is a few promise turns after a setImmediate). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await nextTurn();
};

describe('JobSync (repositories faked)', () => {
  it('applies changes heard in the same turn with one query', async () => {
    const { jobs, timers, hear } = newTestService();
    const created = Array.from({ length: 50 }, (_, i) => jobs.add({ ownerId: 'alice', name: `job ${i}` }));
    for (const job of created) hear(job.id);
    await settle();
    expect(jobs.schedulableReads).toEqual([created.map((job) => job.id)]);
    expect([...timers.keys()].sort()).toEqual(created.map((job) => job.id).sort());
  });

  it('applies a single change at once, on the next turn', async () => {
    const { jobs, timers, hear } = newTestService();
    const job = jobs.add({ ownerId: 'alice' });
    hear(job.id);
    expect(timers.has(job.id)).toBe(false);
    await nextTurn();
    await settle();
    expect(jobs.schedulableReads).toEqual([[job.id]]);
    expect(timers.has(job.id)).toBe(true);
  });

  it('ignores its own announcements, and drops jobs deleted or paused', async () => {
    const { jobs, timers, hear } = newTestService();
    const paused = jobs.add({ ownerId: 'alice', paused: true });
    timers.set(paused.id, 0);
    timers.set('gone', 0);
    hear(jobs.add({ ownerId: 'alice' }).id, SELF);
    hear(paused.id);
    hear('gone');
    await settle();
    expect(jobs.schedulableReads).toEqual([[paused.id, 'gone']]);
    expect([...timers.keys()]).toEqual([]);
  });

  it('takes the changes heard while a batch is applied together, after it', async () => {
    const { jobs, timers, hear } = newTestService();
    const [a, b, c] = [1, 2, 3].map(() => jobs.add({ ownerId: 'alice' }));
    let release: () => void = () => undefined;
    const read = jobs.findSchedulableByIdsAcrossOwners.bind(jobs);
    jobs.findSchedulableByIdsAcrossOwners = async (ids: string[]) => {
      if (jobs.schedulableReads.length === 0) await new Promise<void>((resolve) => (release = resolve));
      return read(ids);
    };
    hear(a.id);
    await nextTurn();
    hear(b.id);
    await nextTurn();
    hear(c.id);
    await settle();
    expect(jobs.schedulableReads).toEqual([]);
    release();
    await settle();
    expect(jobs.schedulableReads).toEqual([[a.id], [b.id, c.id]]);
    expect(timers.size).toBe(3);
  });

  it('reconcile: a job registered after the table was listed is read again, not dropped', async () => {
    const { sync, jobs, timers } = newTestService();
    const listed = jobs.add({ ownerId: 'alice' });
    const late = jobs.add({ ownerId: 'alice' });
    const deleted = 'deleted-job';
    // The list is taken before `late` was created; its NOTIFY registered it meanwhile.
    jobs.listActiveVersionsAcrossOwners = () =>
      Promise.resolve([{ id: listed.id, updatedTime: listed.updatedTime }]).finally(() => {
        timers.set(late.id, late.updatedTime.getTime());
        timers.set(deleted, 0);
      });
    expect(await sync.reconcile()).toEqual({ registered: 1, dropped: 1, changed: 0 });
    expect([...timers.keys()].sort()).toEqual([listed.id, late.id].sort());
  });

  it('reconcile: registers what is missing and reschedules what changed, in one query', async () => {
    const { sync, jobs, timers } = newTestService();
    const missing = jobs.add({ ownerId: 'alice' });
    const changed = jobs.add({ ownerId: 'alice' });
    const same = jobs.add({ ownerId: 'alice' });
    timers.set(changed.id, 1);
    timers.set(same.id, same.updatedTime.getTime());
    expect(await sync.reconcile()).toEqual({ registered: 1, dropped: 0, changed: 1 });
    expect(jobs.schedulableReads).toEqual([[missing.id, changed.id]]);
    expect(timers.get(changed.id)).toBe(changed.updatedTime.getTime());
  });
});
