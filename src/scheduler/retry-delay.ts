// Retries (API.md, "Triggers, retries and the scheduler switch"): the n-th retry (n = 1..retries)
// is due `delay` seconds after the previous attempt's finished_time. Without backoff the delay is
// retry_delay_seconds; with it, a random value in [d/2, d], d = min(retry_delay_max_seconds,
// retry_delay_seconds × 2^(n-1)). The finish statement computes it in SQL (retryDelaySql); this is
// the same rule in TypeScript, for the tests and the docs' examples.

/** Most retries a job may ask for. */
export const MAX_RETRIES = 10;
/** Longest retry delay, and longest cap (one day). */
export const MAX_RETRY_DELAY_SECONDS = 86_400;

export interface RetrySettings {
  retryDelaySeconds: number;
  retryBackoff: boolean;
  retryDelayMaxSeconds: number;
}

/** The ceiling `d` of the n-th retry's delay (seconds); n ≥ 1. */
export function retryDelayCeiling(settings: RetrySettings, n: number): number {
  if (!settings.retryBackoff) return settings.retryDelaySeconds;
  return Math.min(settings.retryDelayMaxSeconds, settings.retryDelaySeconds * 2 ** (n - 1));
}

/** The n-th retry's delay in seconds; `random` in [0, 1). */
export function retryDelaySeconds(settings: RetrySettings, n: number, random: () => number = Math.random): number {
  const d = retryDelayCeiling(settings, n);
  return settings.retryBackoff ? d / 2 + (random() * d) / 2 : d;
}
