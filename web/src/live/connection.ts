import type { EventSourceMessage } from 'eventsource-parser';
import type { RenewOutcome } from '../api/session';
import { readEventStream, reconnectDelay, StreamRefused } from './sse';

/** `connecting` before the first answer, `live` while the stream is open, `reconnecting` after it broke. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface LiveConnectionOptions {
  url: string;
  /** Read on every (re)connect, so a renewed token is used. */
  token: () => string | null;
  onEvent: (message: EventSourceMessage) => void;
  onStatus: (status: LiveStatus) => void;
  /** The stream opened again after a break: what happened meanwhile must be fetched again. */
  onReopen: () => void;
  /**
   * The server refused `token` (401): renew it. `renewed` reconnects at once with the new token,
   * `ended` stops for good (the app's session-ended path), `unavailable` tries again after a while.
   */
  onUnauthorized: (token: string | null) => Promise<RenewOutcome>;
  /** No byte (not even a heartbeat, sent at least every 15 s) for this long: the stream is dead. */
  silenceMs?: number;
  fetch?: typeof fetch;
  random?: () => number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/**
 * The app's one connection to `GET /api/v1/events`: reconnects with backoff and `Last-Event-ID`,
 * tells when it reopens (so the lists are fetched again), renews an expired or refused access token
 * (a 401) and reconnects with the new one, and stops for good on `stop()` (sign-out) or when the
 * session has ended.
 */
export class LiveConnection {
  private readonly abort = new AbortController();
  private lastEventId: string | null = null;
  private stopped = false;
  private status: LiveStatus | null = null;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: LiveConnectionOptions) {
    this.setTimer = options.setTimeout ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimeout ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  /** Runs until `stop()` or the session ends; never rejects. */
  async run(): Promise<void> {
    let failures = 0;
    let opened = false;
    /** A renewal was just made for a 401: another 401 right away waits before renewing again. */
    let renewedJustNow = false;
    this.setStatus('connecting');
    while (!this.stopped) {
      const attempt = new AbortController();
      const cancel = () => attempt.abort();
      this.abort.signal.addEventListener('abort', cancel);
      const silence = this.options.silenceMs ?? 45_000;
      let watchdog: unknown = null;
      const feedWatchdog = () => {
        if (watchdog !== null) this.clearTimer(watchdog);
        watchdog = this.setTimer(() => attempt.abort(), silence);
      };
      let status: number | undefined;
      const token = this.options.token();
      try {
        await readEventStream({
          url: this.options.url,
          token,
          lastEventId: this.lastEventId,
          signal: attempt.signal,
          fetch: this.options.fetch,
          onOpen: () => {
            failures = 0;
            renewedJustNow = false;
            this.setStatus('live');
            if (opened) this.options.onReopen();
            opened = true;
            feedWatchdog();
          },
          onActivity: feedWatchdog,
          onEvent: (message) => {
            if (message.id) this.lastEventId = message.id;
            this.options.onEvent(message);
          },
        });
      } catch (error) {
        if (error instanceof StreamRefused) {
          status = error.status;
        }
      } finally {
        if (watchdog !== null) this.clearTimer(watchdog);
        this.abort.signal.removeEventListener('abort', cancel);
      }
      if (this.stopped) break;
      if (status === 401) {
        const outcome = await this.options.onUnauthorized(token);
        if (outcome === 'ended') {
          this.stopped = true;
          this.setStatus('stopped');
          return;
        }
        if (this.stopped) break;
        if (outcome === 'renewed' && !renewedJustNow) {
          renewedJustNow = true;
          continue;
        }
      }
      this.setStatus('reconnecting');
      await this.sleep(reconnectDelay(failures, status, this.options.random));
      failures += 1;
    }
    this.setStatus('stopped');
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.options.onStatus(status);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      const onAbort = () => {
        this.clearTimer(handle);
        resolve();
      };
      const handle = this.setTimer(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
