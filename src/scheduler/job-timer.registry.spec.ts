import type { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfig } from '../config/app-config.js';
import type { FireDispatcher } from './fire-dispatcher.js';
import { cronJobName, JobTimerRegistry, type SchedulableJob } from './job-timer.registry.js';

function job(id: string, overrides: Partial<SchedulableJob> = {}): SchedulableJob {
  return {
    id,
    name: `job ${id}`,
    second: '0',
    minute: '0',
    hour: '3',
    day: '*',
    month: '*',
    dayOfWeek: '*',
    timezone: 'Europe/Berlin',
    paused: false,
    nextRunTime: null,
    misfireGraceSeconds: null,
    coalesce: true,
    trigger: 'cron',
    intervalSeconds: null,
    runDate: null,
    startDate: null,
    endDate: null,
    jitterSeconds: 0,
    ...overrides,
  } as SchedulableJob;
}

function setUp(mode: 'dispatcher' | 'cronjob') {
  const registry = new SchedulerRegistry();
  const tracked = new Map<string, Date>();
  const dispatcher = {
    track: (entry: { id: string }, _schedule: unknown, next: Date) => tracked.set(entry.id, next),
    untrack: (id: string) => tracked.delete(id),
    onTick: () => undefined,
    timeline: {
      get size() {
        return tracked.size;
      },
      get: (id: string) => tracked.get(id),
    },
  } as unknown as FireDispatcher;
  const config = { get: (key: string) => (key === 'scheduler.mode' ? mode : undefined) } as unknown as ConfigService<
    AppConfig,
    true
  >;
  return { timers: new JobTimerRegistry(registry, dispatcher, config), registry, tracked };
}

describe('JobTimerRegistry', () => {
  it('dispatcher mode: tracks the job on the timeline without a CronJob per job', () => {
    const { timers, registry, tracked } = setUp('dispatcher');
    timers.register(job('a'));
    expect(timers.isRegistered('a')).toBe(true);
    expect(tracked.get('a')?.getTime()).toBeGreaterThan(Date.now());
    expect(registry.getCronJobs().size).toBe(0);
    timers.unregister('a');
    expect(timers.isRegistered('a')).toBe(false);
    expect(tracked.size).toBe(0);
  });

  it('cronjob mode: each job also has a started CronJob sharing the schedule, removed on unregister', () => {
    const { timers, registry } = setUp('cronjob');
    timers.register(job('a'));
    const cronJob = registry.getCronJob(cronJobName('a'));
    expect(cronJob.isActive).toBe(true);
    expect(cronJob.nextDate().setZone('Europe/Berlin').hour).toBe(3);
    timers.unregister('a');
    expect(registry.doesExist('cron', cronJobName('a'))).toBe(false);
    expect(cronJob.isActive).toBe(false);
  });

  it('a paused job or an invalid stored schedule is not registered', () => {
    const { timers, tracked } = setUp('dispatcher');
    timers.register(job('p', { paused: true }));
    timers.register(job('x', { hour: '25' }));
    expect(timers.isRegistered('p')).toBe(false);
    expect(timers.isRegistered('x')).toBe(false);
    expect(tracked.size).toBe(0);
  });
});
