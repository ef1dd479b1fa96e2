import type { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfig } from '../config/app-config.js';
import type { CronSchedule } from './cron-schedule.js';
import type { FireDispatcher } from './fire-dispatcher.js';
import type { Schedule } from './schedule.js';
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
  const schedules = new Map<string, Schedule>();
  const dispatcher = {
    track: (entry: { id: string }, schedule: Schedule, next: Date) => {
      tracked.set(entry.id, next);
      schedules.set(entry.id, schedule);
    },
    untrack: (id: string) => {
      tracked.delete(id);
      schedules.delete(id);
    },
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
  return { timers: new JobTimerRegistry(registry, dispatcher, config), registry, tracked, schedules };
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

  it('jobs with the same schedule fields share one Schedule, dropped with the last of them', () => {
    const { timers, schedules } = setUp('dispatcher');
    const cronOf = (id: string) => schedules.get(id) as CronSchedule | undefined;
    timers.register(job('a'));
    timers.register(job('b'));
    timers.register(job('c', { timezone: 'UTC' }));
    timers.register(job('d', { minute: '30' }));
    const start = new Date(Date.now() + 60_000);
    timers.register(job('e', { trigger: 'interval', intervalSeconds: 60, startDate: start }));
    timers.register(job('f', { trigger: 'interval', intervalSeconds: 60, startDate: new Date(start.getTime()) }));
    timers.register(job('g', { trigger: 'interval', intervalSeconds: 90, startDate: start }));
    expect(schedules.get('a')).toBe(schedules.get('b'));
    expect(schedules.get('c')).not.toBe(schedules.get('a'));
    expect(cronOf('c')?.timezone).toBe('UTC');
    expect(cronOf('d')?.fields.minute).toBe('30');
    expect(schedules.get('e')).toBe(schedules.get('f'));
    expect(schedules.get('g')).not.toBe(schedules.get('e'));
    expect(timers.scheduleCount).toBe(5);
    timers.unregister('a');
    expect(timers.scheduleCount).toBe(5);
    timers.register(job('b', { paused: true }));
    expect(timers.isRegistered('b')).toBe(false);
    expect(timers.scheduleCount).toBe(4);
    timers.register(job('c', { hour: '4' }));
    expect(cronOf('c')?.fields.hour).toBe('4');
    expect(timers.scheduleCount).toBe(4);
  });
});
