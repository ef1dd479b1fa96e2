import { normaliseTrigger, type TriggerValues, triggerProblems } from './job-trigger.js';

const now = new Date('2026-06-01T12:00:00.400Z');
const values = (overrides: Partial<TriggerValues>): TriggerValues => ({
  trigger: 'cron',
  month: '*',
  day_of_week: '*',
  day: '*',
  hour: '*',
  minute: '*',
  second: '0',
  interval_seconds: null,
  run_date: null,
  start_date: null,
  end_date: null,
  ...overrides,
});

describe('triggerProblems', () => {
  it('accepts each trigger with its own fields', () => {
    expect(triggerProblems(values({ minute: '*/5' }), { minute: '*/5' }, now)).toEqual([]);
    expect(triggerProblems(values({ trigger: 'interval', interval_seconds: 2 }), { interval_seconds: 2 }, now)).toEqual(
      [],
    );
    const runDate = '2026-06-02T00:00:00.000Z';
    expect(triggerProblems(values({ trigger: 'date', run_date: runDate }), { run_date: runDate }, now)).toEqual([]);
  });

  it('names fields of another trigger type; null and default cron fields are not "given"', () => {
    expect(triggerProblems(values({}), { interval_seconds: 5, run_date: '2030-01-01T00:00:00Z' }, now)).toEqual([
      'interval_seconds is only for interval triggers (trigger is "cron")',
      'run_date is only for date triggers (trigger is "cron")',
    ]);
    const interval = values({ trigger: 'interval', interval_seconds: 5 });
    expect(triggerProblems(interval, { minute: '*/5', hour: '*', run_date: null }, now)).toEqual([
      'minute is only for cron triggers (trigger is "interval")',
    ]);
    const date = values({ trigger: 'date', run_date: '2030-01-01T00:00:00.000Z' });
    expect(triggerProblems(date, { start_date: '2029-01-01T00:00:00Z', end_date: null }, now)).toEqual([
      'start_date is only for cron and interval triggers (trigger is "date")',
    ]);
  });

  it('wants interval_seconds and run_date, a future run_date when given, and end_date after start_date', () => {
    expect(triggerProblems(values({ trigger: 'interval' }), {}, now)).toEqual([
      'interval_seconds is required for an interval trigger',
    ]);
    expect(triggerProblems(values({ trigger: 'date' }), {}, now)).toEqual(['run_date is required for a date trigger']);
    const past = '2026-06-01T12:00:00.000Z';
    expect(triggerProblems(values({ trigger: 'date', run_date: past }), { run_date: past }, now)).toEqual([
      'run_date 2026-06-01T12:00:00.000Z is not in the future',
    ]);
    // A date job that fired keeps its past run_date: a change of something else is fine.
    expect(triggerProblems(values({ trigger: 'date', run_date: past }), { trigger: 'date' }, now)).toEqual([]);
    const bounds = { start_date: '2026-07-01T00:00:00.000Z', end_date: '2026-07-01T00:00:00.000Z' };
    expect(triggerProblems(values(bounds), bounds, now)).toEqual([
      'end_date 2026-07-01T00:00:00.000Z must be after start_date 2026-07-01T00:00:00.000Z',
    ]);
    const endOnly = { trigger: 'interval' as const, interval_seconds: 5, end_date: '2026-05-01T00:00:00.000Z' };
    expect(triggerProblems(values(endOnly), endOnly, now)).toEqual([
      'end_date 2026-05-01T00:00:00.000Z must be after start_date (now, 2026-06-01T12:00:00.000Z)',
    ]);
  });
});

describe('normaliseTrigger', () => {
  it('clears the fields of other triggers and starts an interval grid now, in whole seconds', () => {
    expect(normaliseTrigger(values({ trigger: 'interval', interval_seconds: 5, minute: '*/5' }), now)).toEqual(
      values({ trigger: 'interval', interval_seconds: 5, start_date: '2026-06-01T12:00:00.000Z' }),
    );
    const date = normaliseTrigger(
      values({ trigger: 'date', run_date: '2030-01-01T00:00:00.000Z', interval_seconds: 5, start_date: 'x' }),
      now,
    );
    expect(date).toEqual(values({ trigger: 'date', run_date: '2030-01-01T00:00:00.000Z' }));
    expect(normaliseTrigger(values({ run_date: '2030-01-01T00:00:00.000Z' }), now).run_date).toBeNull();
  });
});
