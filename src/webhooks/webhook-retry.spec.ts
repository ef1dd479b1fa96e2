import { nextRetryInMs, retryDelayMs, type RetryPolicy, statusOutcome } from './webhook-retry.js';

const POLICY: RetryPolicy = { maxAttempts: 5, retryDelayMs: 1000, retryDelayMaxMs: 5000, maxAgeSeconds: 3600 };

describe('webhook retries', () => {
  it('double the delay each time, up to the cap, with up to 25% taken off at random', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, POLICY, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, POLICY, () => 0))).toEqual([750, 1500, 3000]);
  });

  it('grow from one retry to the next whatever the jitter, below the cap', () => {
    for (let n = 1; n < 3; n += 1) {
      expect(retryDelayMs(n + 1, POLICY, () => 0)).toBeGreaterThan(retryDelayMs(n, POLICY, () => 1));
    }
  });

  it('stop after WEBHOOK_MAX_ATTEMPTS attempts of a round', () => {
    const round = { startAttempt: 0, startedTime: new Date(0) };
    expect(nextRetryInMs(4, round, POLICY, 0, () => 1)).toBe(5000);
    expect(nextRetryInMs(5, round, POLICY, 0, () => 1)).toBeNull();
    // a redeliver starts a new round at attempt 5
    expect(nextRetryInMs(6, { startAttempt: 5, startedTime: new Date(0) }, POLICY, 0, () => 1)).toBe(1000);
  });

  it('stop when the retry would start after WEBHOOK_MAX_AGE', () => {
    const round = { startAttempt: 0, startedTime: new Date(0) };
    expect(nextRetryInMs(1, round, POLICY, 3_599_500, () => 1)).toBeNull();
    expect(nextRetryInMs(1, round, POLICY, 3_599_500, () => 0)).toBeNull();
    expect(nextRetryInMs(1, round, POLICY, 3_590_000, () => 1)).toBe(1000);
  });

  it('deliver on 2xx, retry on 5xx, and give up on anything else', () => {
    expect([200, 204, 299].map(statusOutcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect([500, 502, 503, 599].map(statusOutcome)).toEqual(['retry', 'retry', 'retry', 'retry']);
    expect([301, 400, 404, 410, 429].map(statusOutcome)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
  });
});
