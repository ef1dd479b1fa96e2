import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { LoginFailuresRepository } from '../database/repositories/login-failures.repository.js';
import { clientAddressKey } from './client-address.js';

export interface ThrottleKeys {
  /** `ip:<address>|user:<lowercased name>`: one username tried from one client address. */
  userAddress: string;
  /** `ip:<address>`: everything tried from one client address (IPv6: one /64). */
  address: string;
}

/** The keys of a password check of `username` from `clientAddress` (counted whether or not the user exists). */
export const throttleKeys = (username: string, clientAddress: string): ThrottleKeys => {
  const address = `ip:${clientAddressKey(clientAddress)}`;
  return { userAddress: `${address}|user:${username.toLowerCase()}`, address };
};

/** What a password check got: go ahead, or wait this many seconds. */
export type Reservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Failed password checks (logins, password changes) counted per username + client address and per
 * client address, in PostgreSQL so that every replica shares them (an in-memory counter would
 * multiply the limits by the replica count). Nothing is ever counted per username alone, so failures
 * from one address never stop the same user from another address: no one can lock an account.
 *
 * A key's first `limit` failures cost nothing; the failure that reaches the limit makes the next
 * attempt wait LOGIN_DELAY_BASE_SECONDS, and every further one doubles the wait, up to
 * LOGIN_DELAY_MAX_SECONDS. An attempt during a wait is refused before its password is checked.
 * A key with no failure for LOGIN_FAILURE_RESET_SECONDS after its last wait starts from zero; a
 * correct password clears its username + address key (not the address's).
 *
 * An attempt is reserved before its password is checked — atomically, in the statement that checks
 * the key — so a burst cannot overrun a limit: a key admits `limit − failures` attempts at a time,
 * and one at a time once it is past its limit.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly failures: LoginFailuresRepository,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** Admits the attempt on both keys, or answers how long to wait. */
  async reserve(keys: ThrottleKeys): Promise<Reservation> {
    const limits = this.config.get('auth.loginThrottle', { infer: true });
    if (!(await this.failures.reserve(keys.address, limits.failuresPerAddress, limits.resetSeconds))) {
      return { allowed: false, retryAfterSeconds: await this.retryAfterSeconds(keys) };
    }
    if (!(await this.failures.reserve(keys.userAddress, limits.failuresPerUserAddress, limits.resetSeconds))) {
      await this.failures.release(keys.address);
      return { allowed: false, retryAfterSeconds: await this.retryAfterSeconds(keys) };
    }
    return { allowed: true };
  }

  /** A reserved attempt failed: one more failure on both keys, and a wait for those past their limit. */
  async recordFailure(keys: ThrottleKeys): Promise<void> {
    const limits = this.config.get('auth.loginThrottle', { infer: true });
    const delay = { baseSeconds: limits.delayBaseSeconds, maxSeconds: limits.delayMaxSeconds };
    await this.failures.recordFailure(keys.userAddress, limits.failuresPerUserAddress, delay);
    await this.failures.recordFailure(keys.address, limits.failuresPerAddress, delay);
  }

  /** A reserved attempt succeeded: the username + address starts afresh; the address keeps its failures. */
  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await this.failures.recordSuccess(keys.userAddress);
    await this.failures.release(keys.address);
  }

  /** A reserved attempt that ended in an error of ours counts neither way. */
  async abandon(keys: ThrottleKeys): Promise<void> {
    await this.failures.release(keys.userAddress);
    await this.failures.release(keys.address);
  }

  /** An operator's reset (password reset through the CLI): the username's waits, from every address. */
  async clear(username: string): Promise<void> {
    await this.failures.deleteForUsername(username.toLowerCase());
  }

  /** Forgets keys with nothing under way, no wait running and no failure worth remembering. */
  async purgeStale(): Promise<number> {
    return this.failures.purgeStale(this.config.get('auth.loginThrottle.resetSeconds', { infer: true }));
  }

  /** Seconds until the later wait of `keys` ends; 1 when they are merely busy with attempts under way. */
  private async retryAfterSeconds(keys: ThrottleKeys): Promise<number> {
    return Math.max(1, (await this.failures.secondsUntilUnblocked([keys.userAddress, keys.address])) ?? 1);
  }
}
