import { CronSchedule, cronFieldsWithDefaults } from './cron-schedule.js';
import { MISFIRE_RUN_CAP, MISSED_ROW_CAP, planCatchUp } from './misfire-planner.js';
import type { Schedule } from './schedule.js';

/** Fire times both plans of a day-long outage may compute together (406 measured; the backlog is 86,400). */
const COMPUTED_MAX = 1_000;

const everySecond = CronSchedule.create(cronFieldsWithDefaults({ second: '*' }), 'UTC');
const everyMinute = CronSchedule.create(cronFieldsWithDefaults({}), 'UTC');
const at = (iso: string): Date => new Date(iso);
const job = (coalesce: boolean, misfireGraceSeconds = 3600) => ({ id: 'j1', coalesce, misfireGraceSeconds });

describe('planCatchUp (APScheduler misfire rules)', () => {
  const now = at('2026-01-01T12:00:03.400Z');

  it('runs each fire missed within the grace time when coalesce is off, oldest first', () => {
    const plan = planCatchUp(job(false), everySecond, at('2026-01-01T12:00:01Z'), now);
    expect(plan.runs.map((run) => run.scheduled.toISOString())).toEqual([
      '2026-01-01T12:00:01.000Z',
      '2026-01-01T12:00:02.000Z',
      '2026-01-01T12:00:03.000Z',
    ]);
    expect(plan.missed).toEqual([]);
    expect(plan.next?.toISOString()).toBe('2026-01-01T12:00:04.000Z');
    expect(plan.expectedNext.toISOString()).toBe('2026-01-01T12:00:01.000Z');
  });

  it('runs once when coalesce is on, at the latest missed fire, saying how many it stands for', () => {
    const plan = planCatchUp(job(true), everySecond, at('2026-01-01T12:00:01Z'), now);
    expect(plan.runs).toEqual([
      {
        scheduled: at('2026-01-01T12:00:03Z'),
        description: 'coalesced: stands for 3 missed fires from 2026-01-01T12:00:01.000Z to 2026-01-01T12:00:03.000Z',
      },
    ]);
  });

  it('records fires older than the grace time as missed and never runs them', () => {
    const plan = planCatchUp(job(true, 120), everyMinute, at('2026-01-01T11:55:00Z'), now);
    expect(plan.missed.map((fire) => fire.scheduled.toISOString())).toEqual([
      '2026-01-01T11:55:00.000Z',
      '2026-01-01T11:56:00.000Z',
      '2026-01-01T11:57:00.000Z',
      '2026-01-01T11:58:00.000Z', // 11:58:00 is before 11:58:03.4, the start of the grace window
    ]);
    expect(plan.missed[0].description).toBe('missed: more than 120 s late');
    expect(plan.runs.map((run) => run.scheduled.toISOString())).toEqual(['2026-01-01T12:00:00.000Z']);
    expect(plan.runs[0].description).toContain('stands for 2 missed fires');
    expect(plan.next?.toISOString()).toBe('2026-01-01T12:01:00.000Z');
  });

  it('never plans a burst after a long outage: at most the caps, whatever the backlog', () => {
    // A day of every-second fires (86,400) is behind: the planner computes a few pages of them, not all.
    let computed = 0;
    const counting: Schedule = {
      trigger: 'cron',
      nextAfter: (after) => {
        computed += 1;
        return everySecond.nextAfter(after);
      },
      firesBetween: (after, until, limit) => {
        const fires = everySecond.firesBetween(after, until, limit);
        computed += fires.length;
        return fires;
      },
    };
    const dayLate = planCatchUp(job(false, 7200), counting, at('2025-12-31T12:00:00Z'), now);
    expect(dayLate.runs).toHaveLength(MISFIRE_RUN_CAP);
    expect(dayLate.runs[MISFIRE_RUN_CAP - 1].description).toContain('further fires until');
    expect(dayLate.missed).toHaveLength(MISSED_ROW_CAP);
    expect(dayLate.missed[MISSED_ROW_CAP - 1].description).toContain('not recorded one by one');
    const coalesced = planCatchUp(job(true, 7200), counting, at('2025-12-31T12:00:00Z'), now);
    expect(coalesced.runs).toHaveLength(1);
    expect(coalesced.runs[0].description).toContain('more than 100 missed fires');
    expect(computed).toBeLessThan(COMPUTED_MAX);
  });

  it('with a grace time of 0, only records the missed fires', () => {
    const plan = planCatchUp(job(true, 0), everySecond, at('2026-01-01T12:00:01Z'), now);
    expect(plan.runs).toEqual([]);
    expect(plan.missed).toHaveLength(3);
  });
});
