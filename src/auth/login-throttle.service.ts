import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
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
 * Attempts under way are counted while their password is checked; one whose instance died before it
 * ended stops counting after this long (a check takes well under a second).
 */
const PENDING_EXPIRES_SECONDS = 60;

/** SQL (row `f`): the attempts under way that still count. */
const LIVE_PENDING = `(CASE WHEN f.reserved_at < now() - make_interval(secs => ${PENDING_EXPIRES_SECONDS}) THEN 0 ELSE f.pending END)`;

/** SQL (row `f`): no failure for `resetSeconds` (a parameter: LOGIN_FAILURE_RESET_SECONDS) after the last wait ended. */
const forgotten = (resetSeconds: string) =>
  `(greatest(f.last_failure_at, f.blocked_until) < now() - make_interval(secs => ${resetSeconds}::float8))`;

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** Admits the attempt on both keys, or answers how long to wait. */
  async reserve(keys: ThrottleKeys): Promise<Reservation> {
    const limits = this.config.get('auth.loginThrottle', { infer: true });
    if (!(await this.reserveKey(keys.address, limits.failuresPerAddress, limits.resetSeconds))) {
      return { allowed: false, retryAfterSeconds: await this.retryAfterSeconds(keys) };
    }
    if (!(await this.reserveKey(keys.userAddress, limits.failuresPerUserAddress, limits.resetSeconds))) {
      await this.release(keys.address);
      return { allowed: false, retryAfterSeconds: await this.retryAfterSeconds(keys) };
    }
    return { allowed: true };
  }

  /** A reserved attempt failed: one more failure on both keys, and a wait for those past their limit. */
  async recordFailure(keys: ThrottleKeys): Promise<void> {
    const limits = this.config.get('auth.loginThrottle', { infer: true });
    await this.fail(keys.userAddress, limits.failuresPerUserAddress);
    await this.fail(keys.address, limits.failuresPerAddress);
  }

  /** A reserved attempt succeeded: the username + address starts afresh; the address keeps its failures. */
  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await this.dataSource.query(
      `UPDATE login_failures
          SET pending = greatest(pending - 1, 0), failures = 0, last_failure_at = NULL, blocked_until = NULL
        WHERE key = $1`,
      [keys.userAddress],
    );
    await this.dataSource.query(`DELETE FROM login_failures WHERE key = $1 AND pending = 0`, [keys.userAddress]);
    await this.release(keys.address);
  }

  /** A reserved attempt that ended in an error of ours counts neither way. */
  async abandon(keys: ThrottleKeys): Promise<void> {
    await this.release(keys.userAddress);
    await this.release(keys.address);
  }

  /** An operator's reset (password reset through the CLI): the username's waits, from every address. */
  async clear(username: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_failures
        WHERE strpos(key, '|user:') > 0 AND substr(key, strpos(key, '|user:') + 6) = $1`,
      [username.toLowerCase()],
    );
  }

  /** Forgets keys with nothing under way, no wait running and no failure worth remembering. */
  async purgeStale(): Promise<number> {
    const resetSeconds = this.config.get('auth.loginThrottle.resetSeconds', { infer: true });
    // TypeORM answers a DELETE with [rows, affected]: take the affected count.
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM login_failures f
        WHERE ${LIVE_PENDING} = 0
          AND (f.blocked_until IS NULL OR f.blocked_until <= now())
          AND (f.failures = 0 OR ${forgotten('$1')})`,
      [resetSeconds],
    );
    return affected;
  }

  /**
   * One statement: unless the key is waiting, or is busy (as many failures and attempts under way as
   * its limit, or past it with an attempt under way), count one more attempt under way. Failures
   * that are forgotten are cleared on the way.
   */
  private async reserveKey(key: string, limit: number, resetSeconds: number): Promise<boolean> {
    const isForgotten = forgotten('$3');
    const failures = `(CASE WHEN ${isForgotten} THEN 0 ELSE f.failures END)`;
    const admitted: unknown[] = await this.dataSource.query(
      `INSERT INTO login_failures AS f (key, failures, pending, reserved_at)
       VALUES ($1, 0, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = ${failures},
         last_failure_at = CASE WHEN ${isForgotten} THEN NULL ELSE f.last_failure_at END,
         blocked_until = CASE WHEN ${isForgotten} THEN NULL ELSE f.blocked_until END,
         pending = ${LIVE_PENDING} + 1,
         reserved_at = now()
       WHERE (f.blocked_until IS NULL OR f.blocked_until <= now())
         AND (${LIVE_PENDING} = 0 OR ${failures} + ${LIVE_PENDING} < $2::int)
       RETURNING 1`,
      [key, limit, resetSeconds],
    );
    return admitted.length === 1;
  }

  /**
   * One more failure; from the `limit`-th on, the key waits LOGIN_DELAY_BASE_SECONDS × 2^(failures − limit),
   * at most LOGIN_DELAY_MAX_SECONDS. (An upsert: a row purged while its attempt ran still counts.)
   */
  private async fail(key: string, limit: number): Promise<void> {
    const { delayBaseSeconds, delayMaxSeconds } = this.config.get('auth.loginThrottle', { infer: true });
    const delay = (failures: string) =>
      `CASE WHEN ${failures} >= $2::int THEN now() + make_interval(secs =>
         least($4::float8, $3::float8 * power(2, least(${failures} - $2::int, 30)))) END`;
    await this.dataSource.query(
      `INSERT INTO login_failures AS f (key, failures, pending, last_failure_at, blocked_until)
       VALUES ($1, 1, 0, now(), ${delay('1')})
       ON CONFLICT (key) DO UPDATE SET
         pending = greatest(f.pending - 1, 0),
         failures = f.failures + 1,
         last_failure_at = now(),
         blocked_until = greatest(f.blocked_until, ${delay('(f.failures + 1)')})`,
      [key, limit, delayBaseSeconds, delayMaxSeconds],
    );
  }

  /** Gives back a reserved attempt; a row left with nothing to remember goes. */
  private async release(key: string): Promise<void> {
    await this.dataSource.query(`UPDATE login_failures SET pending = greatest(pending - 1, 0) WHERE key = $1`, [key]);
    await this.dataSource.query(
      `DELETE FROM login_failures
        WHERE key = $1 AND pending = 0 AND failures = 0 AND (blocked_until IS NULL OR blocked_until <= now())`,
      [key],
    );
  }

  /** Seconds until the later wait of `keys` ends; 1 when they are merely busy with attempts under way. */
  private async retryAfterSeconds(keys: ThrottleKeys): Promise<number> {
    const rows: Array<{ seconds: string | null }> = await this.dataSource.query(
      `SELECT ceil(extract(epoch FROM max(blocked_until) - now())) AS seconds
         FROM login_failures WHERE key = ANY($1) AND blocked_until > now()`,
      [[keys.userAddress, keys.address]],
    );
    return Math.max(1, Number(rows[0]?.seconds ?? 1));
  }
}
