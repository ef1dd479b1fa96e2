import { retryDelayCeiling, retryDelaySeconds } from './retry-delay.js';

describe('retry delays (API.md)', () => {
  const backoff = { retryDelaySeconds: 30, retryBackoff: true, retryDelayMaxSeconds: 3600 };

  it('without backoff every retry waits retry_delay_seconds', () => {
    const fixed = { ...backoff, retryBackoff: false };
    expect([1, 2, 5].map((n) => retryDelaySeconds(fixed, n, () => 0.9))).toEqual([30, 30, 30]);
  });

  it('with backoff the n-th retry waits within [d/2, d], d = min(max, delay × 2^(n-1))', () => {
    expect([1, 2, 3, 7, 8].map((n) => retryDelayCeiling(backoff, n))).toEqual([30, 60, 120, 1920, 3600]);
    expect(retryDelaySeconds(backoff, 2, () => 0)).toBe(30);
    expect(retryDelaySeconds(backoff, 2, () => 0.5)).toBe(45);
    expect(retryDelaySeconds(backoff, 2, () => 0.999999)).toBeCloseTo(60, 3);
    expect(retryDelaySeconds(backoff, 10, () => 0)).toBe(1800); // capped at 3600, half of it at least
  });

  it('a cap below the first delay caps it too', () => {
    expect(retryDelayCeiling({ retryDelaySeconds: 60, retryBackoff: true, retryDelayMaxSeconds: 10 }, 1)).toBe(10);
  });
});
