import {
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
}
