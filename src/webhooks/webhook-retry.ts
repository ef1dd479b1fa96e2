/** Retry policy of webhook deliveries (WEBHOOK_* settings). */
export interface RetryPolicy {
  maxAttempts: number;
  retryDelayMs: number;
  retryDelayMaxMs: number;
  maxAgeSeconds: number;
}

/**
 * The delay before retry `n` (1 for the first retry): `d = min(max, base × 2^(n-1))`, then a random
 * value in `[0.75 d, d]` so that many receivers failing together do not get their retries in step,
 * while each delay stays longer than the one before (up to the cap).
 */
export function retryDelayMs(n: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.retryDelayMaxMs, policy.retryDelayMs * 2 ** Math.max(0, n - 1));
  return Math.round(ceiling * (0.75 + 0.25 * random()));
}

/**
 * When the next attempt of a delivery whose attempt `attempt` just failed in a retryable way is due,
 * in ms from `now`; null when the round (started at attempt `roundStartAttempt`, time `roundStarted`)
 * has used WEBHOOK_MAX_ATTEMPTS or the retry would start after WEBHOOK_MAX_AGE.
 */
export function nextRetryInMs(
  attempt: number,
  round: { startAttempt: number; startedTime: Date },
  policy: RetryPolicy,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | null {
  const made = attempt - round.startAttempt;
  if (made >= policy.maxAttempts) return null;
  const delay = retryDelayMs(made, policy, random);
  if (now + delay > round.startedTime.getTime() + policy.maxAgeSeconds * 1000) return null;
  return delay;
}

/** What an HTTP status means for a delivery: 2xx delivered, 5xx retried, anything else final. */
export function statusOutcome(status: number): 'succeeded' | 'retry' | 'failed' {
  if (status >= 200 && status < 300) return 'succeeded';
  if (status >= 500) return 'retry';
  return 'failed';
}
