import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed password checks shared by every instance, keyed `ip:<address>|user:<name>` (one username
 * from one client address) or `ip:<address>` (a client address). A key past its limit waits until
 * `blocked_until`, a wait that doubles with every further failure (see LoginThrottleService).
 */
@Entity({ name: 'login_failures' })
export class LoginFailure {
  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  /** Attempts under way (counted before the password is checked, so a burst cannot overrun the limit). */
  @Column({ type: 'integer', default: 0 })
  pending!: number;

  /** When the latest attempt under way was admitted: attempts older than a minute no longer count. */
  @Column({ name: 'reserved_at', type: 'timestamptz', nullable: true })
  reservedAt!: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt!: Date | null;

  /** No attempt of this key is checked before then. */
  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil!: Date | null;
}
