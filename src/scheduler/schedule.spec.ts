import { CronSchedule, cronFieldsWithDefaults, ScheduleError } from './cron-schedule.js';
import { planCatchUp } from './misfire-planner.js';
import {
  BoundedCronSchedule,
  cronOf,
  DateSchedule,
  IntervalSchedule,
  type ScheduleSpec,
  scheduleOf,
} from './schedule.js';
import { jitterDelayMs } from './jitter.js';

const at = (iso: string): Date => new Date(iso);
const iso = (dates: Array<Date | null>): Array<string | null> => dates.map((date) => date?.toISOString() ?? null);

const spec = (values: Partial<ScheduleSpec>): ScheduleSpec => ({
  trigger: 'cron',
  second: '0',
  minute: '*',
  hour: '*',
  day: '*',
  month: '*',
  dayOfWeek: '*',
  timezone: 'UTC',
  intervalSeconds: null,
  runDate: null,
  startDate: null,
  endDate: null,
  ...values,
});

describe('IntervalSchedule', () => {
  const start = at('2026-01-01T12:00:00Z');
  const every2 = new IntervalSchedule(start, 2);

  it('fires at start + k × interval for k ≥ 1, never at the start itself', () => {
    expect(iso([every2.nextAfter(at('2025-12-31T00:00:00Z'))])).toEqual(['2026-01-01T12:00:02.000Z']);
    expect(iso([every2.nextAfter(start)])).toEqual(['2026-01-01T12:00:02.000Z']);
    expect(iso([every2.nextAfter(at('2026-01-01T12:00:01.999Z'))])).toEqual(['2026-01-01T12:00:02.000Z']);
    expect(iso([every2.nextAfter(at('2026-01-01T12:00:02Z'))])).toEqual(['2026-01-01T12:00:04.000Z']);
  });

  it('stays on its grid however far from the start (no drift), and stops after end_date', () => {
    expect(iso([every2.nextAfter(at('2027-06-01T00:00:00.500Z'))])).toEqual(['2027-06-01T00:00:02.000Z']);
    const bounded = new IntervalSchedule(start, 2, at('2026-01-01T12:00:06Z'));
    expect(iso(bounded.firesBetween(at('2026-01-01T11:00:00Z'), at('2026-01-02T00:00:00Z'), 100))).toEqual([
      '2026-01-01T12:00:02.000Z',
      '2026-01-01T12:00:04.000Z',
      '2026-01-01T12:00:06.000Z',
    ]);
    expect(bounded.nextAfter(at('2026-01-01T12:00:06Z'))).toBeNull();
  });
});

describe('DateSchedule', () => {
  it('fires once, at run_date, and never after', () => {
    const once = new DateSchedule(at('2026-12-08T09:00:00Z'));
    expect(iso([once.nextAfter(at('2026-12-01T00:00:00Z'))])).toEqual(['2026-12-08T09:00:00.000Z']);
    expect(once.nextAfter(at('2026-12-08T09:00:00Z'))).toBeNull();
    expect(once.firesBetween(at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'), 10)).toHaveLength(1);
  });
});

describe('BoundedCronSchedule', () => {
  const everyMinute = CronSchedule.create(cronFieldsWithDefaults({}), 'UTC');

  it('fires nothing before start_date and nothing after end_date', () => {
    const bounded = new BoundedCronSchedule(everyMinute, at('2026-01-01T12:00:30Z'), at('2026-01-01T12:03:00Z'));
    expect(iso(bounded.firesBetween(at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'), 100))).toEqual([
      '2026-01-01T12:01:00.000Z',
      '2026-01-01T12:02:00.000Z',
      '2026-01-01T12:03:00.000Z',
    ]);
  });

  it('fires at start_date itself when it is a fire time', () => {
    const bounded = new BoundedCronSchedule(everyMinute, at('2026-01-01T12:01:00Z'), null);
    expect(iso([bounded.nextAfter(at('2026-01-01T00:00:00Z'))])).toEqual(['2026-01-01T12:01:00.000Z']);
  });
});

describe('scheduleOf (the one factory)', () => {
  it('builds each trigger from a stored job; an unbounded cron job is its CronSchedule', () => {
    const cron = scheduleOf(spec({}));
    expect(cron).toBeInstanceOf(CronSchedule);
    expect(cronOf(cron)).toBe(cron);
    const bounded = scheduleOf(spec({ endDate: at('2030-01-01T00:00:00Z') }));
    expect(bounded).toBeInstanceOf(BoundedCronSchedule);
    expect(cronOf(bounded)).toBeInstanceOf(CronSchedule);
    const interval = scheduleOf(
      spec({ trigger: 'interval', intervalSeconds: 60, startDate: at('2026-01-01T00:00:00Z') }),
    );
    expect(interval).toBeInstanceOf(IntervalSchedule);
    expect(cronOf(interval)).toBeNull();
    expect(scheduleOf(spec({ trigger: 'date', runDate: at('2030-01-01T00:00:00Z') }))).toBeInstanceOf(DateSchedule);
  });

  it('names the missing field', () => {
    expect(() => scheduleOf(spec({ trigger: 'interval', startDate: at('2026-01-01T00:00:00Z') }))).toThrow(
      new ScheduleError([
        { field: 'interval_seconds', message: 'interval_seconds is required for an interval trigger' },
      ]),
    );
    expect(() => scheduleOf(spec({ trigger: 'date' }))).toThrow('run_date is required for a date trigger');
  });
});

describe('the misfire rules over interval and date schedules', () => {
  const job = (coalesce: boolean) => ({ id: 'j1', coalesce, misfireGraceSeconds: 3600 });
  const every2 = new IntervalSchedule(at('2026-01-01T12:00:00Z'), 2);

  it('coalesces an interval job missed across a restart into one run, then goes back on its grid', () => {
    const plan = planCatchUp(job(true), every2, at('2026-01-01T12:00:04Z'), at('2026-01-01T12:00:11.300Z'));
    expect(plan.runs).toEqual([
      {
        scheduled: at('2026-01-01T12:00:10Z'),
        description: 'coalesced: stands for 4 missed fires from 2026-01-01T12:00:04.000Z to 2026-01-01T12:00:10.000Z',
      },
    ]);
    expect(plan.next?.toISOString()).toBe('2026-01-01T12:00:12.000Z');
  });

  it('runs each missed interval fire without coalesce', () => {
    const plan = planCatchUp(job(false), every2, at('2026-01-01T12:00:04Z'), at('2026-01-01T12:00:09Z'));
    expect(iso(plan.runs.map((run) => run.scheduled))).toEqual([
      '2026-01-01T12:00:04.000Z',
      '2026-01-01T12:00:06.000Z',
      '2026-01-01T12:00:08.000Z',
    ]);
  });

  it('runs a date job found late once, and leaves it with no next fire', () => {
    const once = new DateSchedule(at('2026-01-01T12:00:00Z'));
    const plan = planCatchUp(job(true), once, at('2026-01-01T12:00:00Z'), at('2026-01-01T12:05:00Z'));
    expect(plan.runs).toEqual([
      { scheduled: at('2026-01-01T12:00:00Z'), description: 'late: run by the catch-up after a delay' },
    ]);
    expect(plan.next).toBeNull();
  });
});

describe('jitterDelayMs', () => {
  it('is 0 without jitter and spreads within 0..jitter seconds', () => {
    expect(jitterDelayMs(0)).toBe(0);
    expect(jitterDelayMs(3, () => 0)).toBe(0);
    expect(jitterDelayMs(3, () => 0.999999)).toBe(3000);
    expect(jitterDelayMs(3, () => 0.5)).toBe(1500);
  });
});
