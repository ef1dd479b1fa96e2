import {
  breakBetweenDateAndTime,
  duration,
  intervalInWords,
  languageName,
  retriesInWords,
  scheduleInWords,
  triggerInWords,
  zonedTime,
} from './format';

describe('formatting', () => {
  it('says a schedule in words, with its time zone', () => {
    const every = { second: '*/2', minute: '*', hour: '*', day: '*', month: '*', day_of_week: '*', timezone: 'UTC' };
    expect(scheduleInWords(every)).toBe('Every 2 seconds (UTC)');
    const monday = {
      second: '0',
      minute: '0',
      hour: '3',
      day: '*',
      month: '*',
      day_of_week: '1',
      timezone: 'Europe/Berlin',
    };
    expect(scheduleInWords(monday)).toBe('At 03:00, only on Monday (Europe/Berlin)');
  });

  it('says interval and date triggers and start/end dates, in the job’s zone', () => {
    const cron = { second: '0', minute: '*', hour: '*', day: '*', month: '*', day_of_week: '*', timezone: 'UTC' };
    expect(scheduleInWords({ ...cron, trigger: 'interval', interval_seconds: 120 })).toBe('Every 2 minutes (UTC)');
    expect(scheduleInWords({ ...cron, trigger: 'date', run_date: '2026-12-08T09:00:00.000Z' })).toBe(
      'Once at 2026-12-08 09:00 (UTC)',
    );
    expect(
      scheduleInWords({
        ...cron,
        timezone: 'Europe/Berlin',
        trigger: 'interval',
        interval_seconds: 3600,
        start_date: '2026-12-08T08:00:00.000Z',
        end_date: '2026-12-31T23:00:00.000Z',
      }),
    ).toBe('Every hour, from 2026-12-08 09:00 until 2027-01-01 00:00 (Europe/Berlin)');
    expect(intervalInWords(1)).toBe('every second');
    expect(intervalInWords(90)).toBe('every 90 seconds');
    expect(intervalInWords(172_800)).toBe('every 2 days');
    expect(zonedTime('2026-12-08T09:00:05.000Z', 'UTC')).toBe('2026-12-08 09:00:05');
  });

  it('falls back to the raw fields when they cannot be said', () => {
    const odd = { second: 'x', minute: '*', hour: '*', day: '*', month: '*', day_of_week: '*', timezone: 'UTC' };
    expect(scheduleInWords(odd)).toBe('x * * * * * (UTC)');
  });

  it('gives durations in ms, s or min', () => {
    expect(duration('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.250Z')).toBe('250 ms');
    expect(duration('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.500Z')).toBe('1.5 s');
    expect(duration('2026-01-01T00:00:00.000Z', '2026-01-01T00:02:05.000Z')).toBe('2 min 5 s');
    expect(duration(null, '2026-01-01T00:00:00.000Z')).toBe('—');
  });

  it('lets a time break only between its date and its time of day', () => {
    const nbsp = '\u00a0';
    expect(breakBetweenDateAndTime('Dec 07, 2026, 01:36:58 AM')).toBe(`Dec${nbsp}07,${nbsp}2026, 01:36:58${nbsp}AM`);
    expect(breakBetweenDateAndTime('07.12.2026, 01:36:58')).toBe('07.12.2026, 01:36:58');
    // No ", " between date and time (some locales): kept whole rather than broken anywhere.
    expect(breakBetweenDateAndTime('2026-12-07 01:36:58')).toBe(`2026-12-07${nbsp}01:36:58`);
  });

  it('says retry settings and attempts in words', () => {
    const retry = { retries: 2, retry_delay_seconds: 30, retry_backoff: true, retry_delay_max_seconds: 3600 };
    expect(retriesInWords({ ...retry, retries: 0 })).toBe('none');
    expect(retriesInWords(retry)).toBe('2, after about 30 s, doubling up to 1 h');
    expect(retriesInWords({ ...retry, retry_backoff: false, retry_delay_seconds: 120 })).toBe(
      '2, each 2 min after the failure',
    );
    expect(retriesInWords({ ...retry, retry_delay_max_seconds: 5400 })).toBe(
      '2, after about 30 s, doubling up to 1 h 30 min',
    );
    expect(triggerInWords({ trigger: 'cron', attempt: 1 })).toBe('cron');
    expect(triggerInWords({ trigger: 'retry', attempt: 2 })).toBe('retry, attempt 2');
    expect(triggerInWords({ trigger: 'retry', attempt: 2 }, 3)).toBe('retry, attempt 2 of 3');
  });

  it('names a script language as people write it', () => {
    expect(languageName('python')).toBe('Python');
    expect(languageName('javascript')).toBe('JavaScript');
  });
});
