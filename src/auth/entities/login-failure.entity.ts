import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed-login counters shared by every instance, keyed `user:<name>` or `ip:<address>`.
 * A key that reaches its limit within the window is locked until `locked_until` (time-based, so
 * nobody can lock a victim out for good).
 */
@Entity({ name: 'login_failures' })
export class LoginFailure {
  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'integer' })
  failures!: number;

  /** Attempts under way (counted before the password is checked, so a burst cannot overrun the limit). */
  @Column({ type: 'integer', default: 0 })
  pending!: number;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt!: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;
}
