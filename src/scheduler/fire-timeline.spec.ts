import { jest } from '@jest/globals';
import { CronSchedule, cronFieldsWithDefaults } from './cron-schedule.js';
import { FireTimeline } from './fire-timeline.js';

const everySecond = CronSchedule.create(cronFieldsWithDefaults({ second: '*' }), 'UTC');
const everyFiveSeconds = CronSchedule.create(cronFieldsWithDefaults({ second: '*/5' }), 'UTC');
const at = (iso: string): Date => new Date(iso);

describe('FireTimeline', () => {
  it('hands out due entries in fire-time order and keeps later ones', () => {
    const timeline = new FireTimeline();
    timeline.set('b', everySecond, at('2026-01-01T00:00:02Z'));
    timeline.set('a', everySecond, at('2026-01-01T00:00:01Z'));
    timeline.set('c', everySecond, at('2026-01-01T00:00:05Z'));
    expect(timeline.takeDue(at('2026-01-01T00:00:02Z').getTime()).map((entry) => entry.jobId)).toEqual(['a', 'b']);
    expect(timeline.earliest()).toBe(at('2026-01-01T00:00:05Z').getTime());
  });

  it('precomputes the following fire in the background, or on demand', () => {
    const timeline = new FireTimeline();
    timeline.set('a', everyFiveSeconds, at('2026-01-01T00:00:05Z'));
    timeline.set('b', everyFiveSeconds, at('2026-01-01T00:00:05Z'));
    expect(timeline.get('a')?.following).toBeUndefined();
    expect(timeline.computeFollowing(1)).toBe(1);
    expect(timeline.computeFollowing(10)).toBe(0);
    expect(timeline.get('a')?.following).toBe(at('2026-01-01T00:00:10Z').getTime());
    timeline.set('c', everyFiveSeconds, at('2026-01-01T00:00:05Z'));
    expect(timeline.followingOf(timeline.get('c')!)).toBe(at('2026-01-01T00:00:10Z').getTime());
  });

  it('sets far entries aside, so each turn looks only at new ones, and looks at them again on request', () => {
    const timeline = new FireTimeline();
    const horizon = at('2026-01-01T00:01:00Z').getTime();
    for (let i = 0; i < 1000; i++) timeline.set(`far-${i}`, everyFiveSeconds, at('2026-01-01T01:00:00Z'));
    // how many entries a turn looks up in the timeline's own map
    const entries = (timeline as unknown as { entries: Map<string, unknown> }).entries;
    const visits = jest.spyOn(Map.prototype, 'get');
    const lookups = () => visits.mock.contexts.filter((map) => map === entries).length;
    expect(timeline.computeFollowing(10, horizon)).toBe(0);
    const firstTurn = lookups();
    timeline.set('near', everyFiveSeconds, at('2026-01-01T00:00:05Z'));
    visits.mockClear();
    expect(timeline.computeFollowing(10, horizon)).toBe(0);
    const secondTurn = lookups();
    visits.mockRestore();
    expect(secondTurn).toBe(1);
    expect(firstTurn).toBeGreaterThanOrEqual(1000);
    expect(timeline.get('near')?.following).toBe(at('2026-01-01T00:00:10Z').getTime());
    expect(timeline.get('far-0')?.following).toBeUndefined();
    expect(timeline.pendingFollowing).toBe(1000);
    // an hour later the far ones are near: a recheck computes them
    expect(timeline.computeFollowing(2000, at('2026-01-01T01:00:00Z').getTime(), true)).toBe(0);
    expect(timeline.get('far-0')?.following).toBe(at('2026-01-01T01:00:05Z').getTime());
    expect(timeline.pendingFollowing).toBe(0);
  });

  it('forgets removed jobs and ignores stale positions of moved ones', () => {
    const timeline = new FireTimeline();
    timeline.set('a', everySecond, at('2026-01-01T00:00:01Z'));
    timeline.set('b', everySecond, at('2026-01-01T00:00:01Z'));
    timeline.remove('a');
    timeline.moveTo('b', at('2026-01-01T00:00:09Z').getTime());
    expect(timeline.takeDue(at('2026-01-01T00:00:05Z').getTime())).toEqual([]);
    expect(timeline.earliest()).toBe(at('2026-01-01T00:00:09Z').getTime());
    expect(timeline.size).toBe(1);
    timeline.moveTo('b', null);
    expect(timeline.size).toBe(0);
    expect(timeline.earliest()).toBeUndefined();
  });

  it('keeps 10,000 jobs in order', () => {
    const timeline = new FireTimeline();
    const base = at('2026-01-01T00:00:00Z').getTime();
    for (let i = 0; i < 10_000; i++)
      timeline.set(`job-${i}`, everySecond, new Date(base + ((i * 7919) % 10_000) * 1000));
    const due = timeline.takeDue(base + 9_999_000);
    expect(due).toHaveLength(10_000);
    const times = due.map((entry) => entry.next);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });
});
