/** A fire's start delay: uniformly random in [0, jitterSeconds] seconds, in whole milliseconds. */
export function jitterDelayMs(jitterSeconds: number, random: () => number = Math.random): number {
  if (!(jitterSeconds > 0)) return 0;
  return Math.round(random() * jitterSeconds * 1000);
}

/**
 * A wait out of a fire's jitter that can be cut short: `release()` (the instance shuts down: the fire
 * starts at once rather than being lost) or the signal's abort (the execution was stopped meanwhile).
 * Resolves true when the run should start, false when it was aborted.
 */
export class JitterWait {
  private resolveWait: ((start: boolean) => void) | undefined;
  readonly done: Promise<boolean>;

  constructor(delayMs: number, signal: AbortSignal) {
    this.done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(true), delayMs);
      const onAbort = (): void => finish(false);
      const finish = (start: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.resolveWait = undefined;
        resolve(start);
      };
      this.resolveWait = finish;
      if (signal.aborted) finish(false);
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends the wait now: the run starts. */
  release(): void {
    this.resolveWait?.(true);
  }
}
