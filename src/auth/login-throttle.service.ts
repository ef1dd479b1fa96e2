import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';

export interface ThrottleKeys {
  /** `user:<lowercased name>`, counted whether or not the user exists. */
  user: string;
  /** `ip:<client address>`. */
  ip: string;
}

export const throttleKeys = (username: string, clientAddress: string): ThrottleKeys => ({
  user: `user:${username.toLowerCase()}`,
  ip: `ip:${clientAddress}`,
});

/** What a login attempt got: go ahead, or wait this many seconds. */
export type Reservation = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** SQL: has the window of row `f` run out? (`$3` = window seconds) */
const WINDOW_OVER = `f.window_started_at < now() - make_interval(secs => $3)`;

/**
 * Failed-login limits per username and per client address, counted in PostgreSQL so that every
 * replica shares them (an in-memory counter would multiply the limit by the replica count).
 *
 * An attempt is reserved before its password is checked — atomically, in the same statement that
 * checks the limit — so a burst of simultaneous attempts cannot overrun it: a key admits at most
 * `max − failures` attempts at a time. A key that reaches its limit within the window is locked for
 * the lockout period, then counts afresh: time-based, so nobody can lock a victim out for good.
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
    if (!(await this.reserveKey(keys.ip, limits.maxFailuresPerIp, limits.windowSeconds))) {
      return { allowed: false, retryAfterSeconds: await this.retryAfterSeconds(keys) };
    }
    if (!(await this.reserveKey(keys.user, limits.maxFailuresPerUser, limits.windowSeconds))) {
      await this.release(keys.ip);
      return { allowed: false, retryAfterSeconds: await this.retryAfterSeconds(keys) };
    }
    return { allowed: true };
  }

  /** A reserved attempt failed: it becomes a failure on both keys, locking those that reach their limit. */
  async recordFailure(keys: ThrottleKeys): Promise<void> {
    const limits = this.config.get('auth.loginThrottle', { infer: true });
    await this.fail(keys.user, limits.maxFailuresPerUser, limits.lockoutSeconds);
    await this.fail(keys.ip, limits.maxFailuresPerIp, limits.lockoutSeconds);
  }

  /** A reserved attempt succeeded: the username's count is cleared; the address keeps its failures. */
  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await this.dataSource.query(
      `UPDATE login_failures SET pending = greatest(pending - 1, 0), failures = 0 WHERE key = $1`,
      [keys.user],
    );
    await this.dataSource.query(
      `DELETE FROM login_failures WHERE key = $1 AND pending = 0 AND (locked_until IS NULL OR locked_until <= now())`,
      [keys.user],
    );
    await this.release(keys.ip);
  }

  /** A reserved attempt that ended in an error of ours counts neither way. */
  async abandon(keys: ThrottleKeys): Promise<void> {
    await this.release(keys.user);
    await this.release(keys.ip);
  }

  /** An operator's unlock (password reset through the CLI). */
  async clear(username: string): Promise<void> {
    await this.dataSource.query('DELETE FROM login_failures WHERE key = $1', [`user:${username.toLowerCase()}`]);
  }

  /** Forgets counts whose window has passed and that are not locked. */
  async purgeStale(): Promise<number> {
    const windowSeconds = this.config.get('auth.loginThrottle.windowSeconds', { infer: true });
    // TypeORM answers a DELETE with [rows, affected]: take the affected count.
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM login_failures
        WHERE window_started_at < now() - make_interval(secs => $1)
          AND (locked_until IS NULL OR locked_until <= now())`,
      [windowSeconds],
    );
    return affected;
  }

  /**
   * One statement: unless the key is locked or already has `max` failures and attempts under way,
   * count one more attempt under way (starting a new window when the old one is over).
   */
  private async reserveKey(key: string, max: number, windowSeconds: number): Promise<boolean> {
    const admitted: unknown[] = await this.dataSource.query(
      `INSERT INTO login_failures AS f (key, failures, pending, window_started_at)
       VALUES ($1, 0, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN ${WINDOW_OVER} THEN 0 ELSE f.failures END,
         pending = CASE WHEN ${WINDOW_OVER} THEN 1 ELSE f.pending + 1 END,
         window_started_at = CASE WHEN ${WINDOW_OVER} THEN now() ELSE f.window_started_at END
       WHERE NOT (f.locked_until IS NOT NULL AND f.locked_until > now())
         AND (${WINDOW_OVER} OR f.failures + f.pending < $2)
       RETURNING 1`,
      [key, max, windowSeconds],
    );
    return admitted.length === 1;
  }

  private async fail(key: string, max: number, lockoutSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE login_failures SET
         pending = greatest(pending - 1, 0),
         failures = CASE WHEN failures + 1 >= $2 THEN 0 ELSE failures + 1 END,
         window_started_at = CASE WHEN failures + 1 >= $2 THEN now() ELSE window_started_at END,
         locked_until = CASE WHEN failures + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
       WHERE key = $1`,
      [key, max, lockoutSeconds],
    );
  }

  /** Gives back a reserved attempt; a row left with nothing to remember goes. */
  private async release(key: string): Promise<void> {
    await this.dataSource.query(`UPDATE login_failures SET pending = greatest(pending - 1, 0) WHERE key = $1`, [key]);
    await this.dataSource.query(
      `DELETE FROM login_failures
        WHERE key = $1 AND pending = 0 AND failures = 0 AND (locked_until IS NULL OR locked_until <= now())`,
      [key],
    );
  }

  /** Seconds until the later lock of `keys` ends; 1 when they are merely busy with attempts under way. */
  private async retryAfterSeconds(keys: ThrottleKeys): Promise<number> {
    const rows: Array<{ seconds: string | null }> = await this.dataSource.query(
      `SELECT ceil(extract(epoch FROM max(locked_until) - now())) AS seconds
         FROM login_failures WHERE key = ANY($1) AND locked_until > now()`,
      [[keys.user, keys.ip]],
    );
    return Math.max(1, Number(rows[0]?.seconds ?? 1));
  }
}
