/**
 * The signed-in session of this tab. The access token lives in memory only (never in storage a
 * script could read later); the refresh token is an HttpOnly cookie the browser sends to
 * `POST /api/v1/auth/refresh` alone. A reload or a new tab starts by renewing, so it stays signed in
 * without the password; a 401 renews once (however many requests were refused together) and the
 * request is sent again.
 */

/** `renewed`: a new access token is there. `ended`: the server refused the refresh cookie (signed out,
 * revoked, expired). `unavailable`: the server could not be asked (network, 5xx): try again later. */
export type RenewOutcome = 'renewed' | 'ended' | 'unavailable';

export const REFRESH_URL = '/api/v1/auth/refresh';
export const SESSION_ENDED_MESSAGE = 'Your session has ended. Sign in again to continue.';

export interface SessionOptions {
  fetch?: typeof fetch;
}

export class Session {
  private token: string | null = null;
  private renewing: Promise<RenewOutcome> | null = null;
  private ended: (message: string) => void = () => undefined;

  constructor(private readonly options: SessionOptions = {}) {}

  /** The current access token, or null when signed out. */
  get(): string | null {
    return this.token;
  }

  set(token: string): void {
    this.token = token;
  }

  clear(): void {
    this.token = null;
  }

  /** Told when the session ends under the user (the refresh is refused): the app returns to sign-in. */
  whenEnded(handler: (message: string) => void): void {
    this.ended = handler;
  }

  /**
   * Asks for a new access token with the refresh cookie. Single-flight: calls made while one is
   * under way share its answer, so many parallel 401s cause one refresh.
   */
  renew(): Promise<RenewOutcome> {
    this.renewing ??= this.askServer().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  /**
   * After a 401 for a request sent with `used`: `renewed` at once when the token changed meanwhile
   * (another request renewed it), else renews. When the refresh is refused while still signed in
   * with that token, the session ends (the `whenEnded` handler runs, once).
   */
  async recover(used: string | null): Promise<RenewOutcome> {
    if (this.token === null) return 'ended';
    if (this.token !== used) return 'renewed';
    const outcome = await this.renew();
    if (outcome === 'ended' && this.token === used) this.end();
    return outcome;
  }

  /** Ends the session here: forgets the token and tells the app. */
  end(message = SESSION_ENDED_MESSAGE): void {
    if (this.token === null) return;
    this.token = null;
    this.ended(message);
  }

  private async askServer(): Promise<RenewOutcome> {
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(REFRESH_URL, {
        method: 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      return 'unavailable';
    }
    if (response.status === 401 || response.status === 403) return 'ended';
    if (!response.ok) return 'unavailable';
    const body = (await response.json().catch(() => null)) as { access_token?: unknown } | null;
    if (!body || typeof body.access_token !== 'string') return 'unavailable';
    this.token = body.access_token;
    return 'renewed';
  }
}
