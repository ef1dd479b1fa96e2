import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from './user.entity.js';

/**
 * A job: a job class, its arguments and a cron schedule in a time zone. `next_run_time` is the next
 * fire nobody has claimed yet (null while paused); every instance advances it when it claims a fire.
 */
@Entity({ name: 'jobs' })
@Check('CHK_jobs_trigger', `"trigger" IN ('cron', 'interval', 'date')`)
@Check('CHK_jobs_interval_seconds', `"interval_seconds" BETWEEN 1 AND 31536000`)
@Check('CHK_jobs_jitter_seconds', `"jitter_seconds" BETWEEN 0 AND 3600`)
@Check('CHK_jobs_end_after_start', `"end_date" > "start_date"`)
@Check(
  'CHK_jobs_interval_fields',
  `"trigger" <> 'interval' OR ("interval_seconds" IS NOT NULL AND "start_date" IS NOT NULL)`,
)
@Check('CHK_jobs_retries', `"retries" BETWEEN 0 AND 10`)
@Check('CHK_jobs_retry_delay_seconds', `"retry_delay_seconds" BETWEEN 1 AND 86400`)
@Check('CHK_jobs_retry_delay_max_seconds', `"retry_delay_max_seconds" BETWEEN 1 AND 86400`)
@Check('CHK_jobs_date_fields', `"trigger" <> 'date' OR "run_date" IS NOT NULL`)
@Index('IDX_jobs_next_run_time', ['nextRunTime'])
@Index('IDX_jobs_owner_name', ['ownerId', 'name', 'id'])
@Index('IDX_jobs_name', ['name', 'id'])
export class Job {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'job_class_string', type: 'text' })
  jobClassString!: string;

  @Column({ name: 'pub_args', type: 'jsonb', default: () => "'[]'" })
  pubArgs!: unknown[];

  @Column({ type: 'text', default: '0' })
  second!: string;

  @Column({ type: 'text', default: '*' })
  minute!: string;

  @Column({ type: 'text', default: '*' })
  hour!: string;

  @Column({ type: 'text', default: '*' })
  day!: string;

  @Column({ type: 'text', default: '*' })
  month!: string;

  @Column({ name: 'day_of_week', type: 'text', default: '*' })
  dayOfWeek!: string;

  @Column({ type: 'text' })
  timezone!: string;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ name: 'next_run_time', type: 'timestamptz', nullable: true })
  nextRunTime!: Date | null;

  @Column({ name: 'max_instances', type: 'integer', default: 3 })
  maxInstances!: number;

  @Column({ name: 'timeout_seconds', type: 'integer' })
  timeoutSeconds!: number;

  @Column({ name: 'misfire_grace_seconds', type: 'integer', default: 3600 })
  misfireGraceSeconds!: number;

  @Column({ type: 'boolean', default: true })
  coalesce!: boolean;

  /**
   * Why nothing of this job runs (its owner is disabled or no longer holds the permission its class
   * needs), or null. Fires keep being claimed (next_run_time moves on) but are not run; the first one
   * is recorded `skipped` with this reason. Cleared as soon as the owner may run the job again.
   */
  @Column({ name: 'suspended_reason', type: 'text', nullable: true })
  suspendedReason!: string | null;

  @Index('IDX_jobs_owner_id')
  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  /** A user with jobs cannot be deleted (409) unless the jobs are moved to someone else. */
  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_jobs_owner' })
  owner?: User;

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;

  @UpdateDateColumn({ name: 'updated_time', type: 'timestamptz' })
  updatedTime!: Date;

  /** `cron` (the cron fields), `interval` (every interval_seconds from start_date) or `date` (once, at run_date). */
  @Column({ type: 'text', default: 'cron' })
  trigger!: 'cron' | 'interval' | 'date';

  /** Interval triggers only: the grid's step. */
  @Column({ name: 'interval_seconds', type: 'integer', nullable: true })
  intervalSeconds!: number | null;

  /** Date triggers only: the one fire. */
  @Column({ name: 'run_date', type: 'timestamptz', nullable: true })
  runDate!: Date | null;

  /** Cron and interval: no fire before it; an interval's grid starts here (set to the creation time if not given). */
  @Column({ name: 'start_date', type: 'timestamptz', nullable: true })
  startDate!: Date | null;

  /** Cron and interval: no fire after it. */
  @Column({ name: 'end_date', type: 'timestamptz', nullable: true })
  endDate!: Date | null;

  /** Each fire's start is delayed by a random 0..jitter_seconds (its scheduled_time stays the nominal time). */
  @Column({ name: 'jitter_seconds', type: 'integer', default: 0 })
  jitterSeconds!: number;

  /** Extra attempts after a run ends failed or timeout (0: none). */
  @Column({ type: 'integer', default: 0 })
  retries!: number;

  /** The first retry's delay after the failed attempt's finish. */
  @Column({ name: 'retry_delay_seconds', type: 'integer', default: 30 })
  retryDelaySeconds!: number;

  /** The delay doubles with each retry, taken at random in [d/2, d]. */
  @Column({ name: 'retry_backoff', type: 'boolean', default: true })
  retryBackoff!: boolean;

  /** The longest retry delay (caps the backoff). */
  @Column({ name: 'retry_delay_max_seconds', type: 'integer', default: 3600 })
  retryDelayMaxSeconds!: number;
}
