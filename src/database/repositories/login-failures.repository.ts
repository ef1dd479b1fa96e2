import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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

/** How a key's wait grows: LOGIN_DELAY_BASE_SECONDS and LOGIN_DELAY_MAX_SECONDS. */
export interface LoginDelay {
  baseSeconds: number;
  maxSeconds: number;
}

/**
 * The `login_failures` table: per throttle key (see LoginThrottleService), its failures, the attempts
 * under way and its wait. Every change of a key is one statement, so replicas sharing the table
 * cannot overrun a limit.
 */
@Injectable()
export class LoginFailuresRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One statement: unless the key is waiting, or is busy (as many failures and attempts under way as
   * its limit, or past it with an attempt under way), count one more attempt under way. Failures
   * that are forgotten (none for `resetSeconds` after the last wait) are cleared on the way.
   */
  async reserve(key: string, limit: number, resetSeconds: number): Promise<boolean> {
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
   * One more failure, ending an attempt under way; from the `limit`-th on, the key waits
   * `delay.baseSeconds` × 2^(failures − limit), at most `delay.maxSeconds`. (An upsert: a row purged
   * while its attempt ran still counts.)
   */
  async recordFailure(key: string, limit: number, delay: LoginDelay): Promise<void> {
    const waitUntil = (failures: string) =>
      `CASE WHEN ${failures} >= $2::int THEN now() + make_interval(secs =>
         least($4::float8, $3::float8 * power(2, least(${failures} - $2::int, 30)))) END`;
    await this.dataSource.query(
      `INSERT INTO login_failures AS f (key, failures, pending, last_failure_at, blocked_until)
       VALUES ($1, 1, 0, now(), ${waitUntil('1')})
       ON CONFLICT (key) DO UPDATE SET
         pending = greatest(f.pending - 1, 0),
         failures = f.failures + 1,
         last_failure_at = now(),
         blocked_until = greatest(f.blocked_until, ${waitUntil('(f.failures + 1)')})`,
      [key, limit, delay.baseSeconds, delay.maxSeconds],
    );
  }

  /** Ends an attempt under way and forgets the key's failures and wait; a row with nothing under way goes. */
  async recordSuccess(key: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE login_failures
          SET pending = greatest(pending - 1, 0), failures = 0, last_failure_at = NULL, blocked_until = NULL
        WHERE key = $1`,
      [key],
    );
    await this.dataSource.query(`DELETE FROM login_failures WHERE key = $1 AND pending = 0`, [key]);
  }

  /** Gives back an attempt under way; a row left with nothing to remember goes. */
  async release(key: string): Promise<void> {
    await this.dataSource.query(`UPDATE login_failures SET pending = greatest(pending - 1, 0) WHERE key = $1`, [key]);
    await this.dataSource.query(
      `DELETE FROM login_failures
        WHERE key = $1 AND pending = 0 AND failures = 0 AND (blocked_until IS NULL OR blocked_until <= now())`,
      [key],
    );
  }

  /** Seconds (rounded up) until the latest running wait of `keys` ends; null when none waits. */
  async secondsUntilUnblocked(keys: string[]): Promise<number | null> {
    const rows: Array<{ seconds: string | null }> = await this.dataSource.query(
      `SELECT ceil(extract(epoch FROM max(blocked_until) - now())) AS seconds
         FROM login_failures WHERE key = ANY($1) AND blocked_until > now()`,
      [keys],
    );
    const seconds = rows[0]?.seconds;
    return seconds === null || seconds === undefined ? null : Number(seconds);
  }

  /** Deletes the keys of one (lowercased) username, from every address. */
  async deleteForUsername(lowercasedUsername: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM login_failures
        WHERE strpos(key, '|user:') > 0 AND substr(key, strpos(key, '|user:') + 6) = $1`,
      [lowercasedUsername],
    );
  }

  /** Forgets keys with nothing under way, no wait running and no failure worth remembering; answers how many. */
  async purgeStale(resetSeconds: number): Promise<number> {
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
}
