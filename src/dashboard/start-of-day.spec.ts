import { startOfDay } from './start-of-day.js';

describe('startOfDay', () => {
  it('is midnight UTC in UTC', () => {
    expect(startOfDay(new Date('2026-12-07T15:30:00.000Z'), 'UTC').toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });

  it("is the zone's local midnight, which may be the previous UTC day", () => {
    expect(startOfDay(new Date('2026-12-07T15:30:00.000Z'), 'Europe/Berlin').toISOString()).toBe(
      '2026-12-06T23:00:00.000Z',
    );
    expect(startOfDay(new Date('2026-07-07T15:30:00.000Z'), 'Europe/Berlin').toISOString()).toBe(
      '2026-07-06T22:00:00.000Z',
    );
  });

  it('counts from the local date, not the UTC date, west of Greenwich', () => {
    // 02:00 UTC on the 7th is still the 6th in New York (UTC-5).
    expect(startOfDay(new Date('2026-12-07T02:00:00.000Z'), 'America/New_York').toISOString()).toBe(
      '2026-12-06T05:00:00.000Z',
    );
  });

  it('takes the offset of midnight on a day with a DST change', () => {
    // Berlin moves to summer time at 02:00 on 29 March 2026: midnight was still UTC+1.
    expect(startOfDay(new Date('2026-03-29T12:00:00.000Z'), 'Europe/Berlin').toISOString()).toBe(
      '2026-03-28T23:00:00.000Z',
    );
    // New York leaves summer time on 1 November 2026: midnight was still UTC-4.
    expect(startOfDay(new Date('2026-11-01T20:00:00.000Z'), 'America/New_York').toISOString()).toBe(
      '2026-11-01T04:00:00.000Z',
    );
  });

  it('handles half-hour zones', () => {
    expect(startOfDay(new Date('2026-12-07T15:30:00.000Z'), 'Asia/Kolkata').toISOString()).toBe(
      '2026-12-06T18:30:00.000Z',
    );
  });
});
