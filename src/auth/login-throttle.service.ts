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

/**
 * Failed-login limits per username and per client address, counted in PostgreSQL so that every
 * replica shares them (an in-memory counter would multiply the limit by the replica count).
 * A key that reaches its limit within the window is locked for the lockout period, then its count
 * starts afresh: time-based, so nobody can lock a victim out for good.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** Seconds until the first of `keys` unlocks, or 0 when none is locked. */
  async retryAfterSeconds(keys: ThrottleKeys): Promise<number> {
    const rows: Array<{ seconds: string | null }> = await this.dataSource.query(
      `SELECT ceil(extract(epoch FROM max(locked_until) - now())) AS seconds
         FROM login_failures WHERE key = ANY($1) AND locked_until > now()`,
      [[keys.user, keys.ip]],
    );
    return Math.max(0, Number(rows[0]?.seconds ?? 0));
  }

  /** Counts a failure against both keys, locking those that reach their limit. */
  async recordFailure(keys: ThrottleKeys): Promise<void> {
    const limits = this.config.get('auth.loginThrottle', { infer: true });
    await this.count(keys.user, limits.maxFailuresPerUser, limits.windowSeconds, limits.lockoutSeconds);
    await this.count(keys.ip, limits.maxFailuresPerIp, limits.windowSeconds, limits.lockoutSeconds);
  }

  /** A successful login clears its username's count (the address keeps its own). */
  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await this.dataSource.query('DELETE FROM login_failures WHERE key = $1', [keys.user]);
  }

  /** An operator's unlock (password reset through the CLI). */
  async clear(username: string): Promise<void> {
    await this.dataSource.query('DELETE FROM login_failures WHERE key = $1', [`user:${username.toLowerCase()}`]);
  }

  /** Forgets counts whose window has passed and that are not locked. */
  async purgeStale(): Promise<number> {
    const windowSeconds = this.config.get('auth.loginThrottle.windowSeconds', { infer: true });
    const deleted: unknown[] = await this.dataSource.query(
      `DELETE FROM login_failures
        WHERE window_started_at < now() - make_interval(secs => $1)
          AND (locked_until IS NULL OR locked_until < now())
       RETURNING 1`,
      [windowSeconds],
    );
    return deleted.length;
  }

  /** One atomic upsert: a new window when the old one is over; at the limit, lock and start counting afresh. */
  private async count(key: string, max: number, windowSeconds: number, lockoutSeconds: number): Promise<void> {
    const next = `(CASE WHEN f.window_started_at < now() - make_interval(secs => $3) THEN 1 ELSE f.failures + 1 END)`;
    await this.dataSource.query(
      `INSERT INTO login_failures AS f (key, failures, window_started_at, locked_until)
       VALUES ($1, CASE WHEN 1 >= $2 THEN 0 ELSE 1 END, now(),
               CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $4) END)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN ${next} >= $2 THEN 0 ELSE ${next} END,
         window_started_at = CASE
           WHEN f.window_started_at < now() - make_interval(secs => $3) OR ${next} >= $2 THEN now()
           ELSE f.window_started_at END,
         locked_until = CASE WHEN ${next} >= $2 THEN now() + make_interval(secs => $4) ELSE f.locked_until END`,
      [key, max, windowSeconds, lockoutSeconds],
    );
  }
}
