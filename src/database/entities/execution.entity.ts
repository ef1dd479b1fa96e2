import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { User } from './user.entity.js';

export const EXECUTION_STATES = [
  'scheduled',
  'running',
  'succeeded',
  'failed',
  'timeout',
  'stopped',
  'scheduled error',
  'skipped',
  'missed',
] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];
export const EXECUTION_TRIGGERS = ['cron', 'manual', 'retry'] as const;
export type ExecutionTrigger = (typeof EXECUTION_TRIGGERS)[number];

/**
 * One fire of a job (or a retry of one), and its outcome. `(job_id, scheduled_time, retry_of)` is
 * unique, NULLS NOT DISTINCT (the migration says so; TypeORM has no word for it): among fires
 * (retry_of null) that is `(job_id, scheduled_time)`, and claiming a fire is an `INSERT ... ON
 * CONFLICT DO NOTHING`, so each fire is recorded once across every instance. A retry never collides
 * with a fire; `(retry_of, attempt)` is unique. A pending retry is a row in state `scheduled` with
 * trigger `retry`, due at its scheduled_time. The job's name and class are copied in, so the history
 * stays readable after the job is deleted.
 */
@Entity({ name: 'executions' })
@Unique('UQ_executions_job_scheduled', ['jobId', 'scheduledTime', 'retryOf'])
@Index('UQ_executions_retry_attempt', ['retryOf', 'attempt'], { unique: true, where: `"retry_of" IS NOT NULL` })
@Index('IDX_executions_pending_retries', ['scheduledTime'], { where: `"state" = 'scheduled' AND "trigger" = 'retry'` })
@Index('IDX_executions_owner_scheduled', ['ownerId', 'scheduledTime'])
@Index('IDX_executions_scheduled', ['scheduledTime'])
@Index('IDX_executions_running', ['jobId'], { where: `"state" = 'running'` })
@Index('IDX_executions_running_owner', ['ownerId'], { where: `"state" = 'running'` })
export class Execution {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ name: 'job_name', type: 'text' })
  jobName!: string;

  @Column({ name: 'job_class_string', type: 'text' })
  jobClassString!: string;

  /** Null once the owner is deleted: the history stays, for admins. */
  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_executions_owner' })
  owner?: User | null;

  @Column({ type: 'text' })
  state!: ExecutionState;

  @Column({ type: 'text' })
  trigger!: ExecutionTrigger;

  @Column({ name: 'scheduled_time', type: 'timestamptz' })
  scheduledTime!: Date;

  @Column({ name: 'started_time', type: 'timestamptz', nullable: true })
  startedTime!: Date | null;

  @Column({ name: 'finished_time', type: 'timestamptz', nullable: true })
  finishedTime!: Date | null;

  @UpdateDateColumn({ name: 'updated_time', type: 'timestamptz' })
  updatedTime!: Date;

  @Column({ type: 'text', nullable: true })
  hostname!: string | null;

  @Column({ type: 'integer', nullable: true })
  pid!: number | null;

  /** The instance that ran it; only that instance may finish the row. */
  @Column({ name: 'instance_id', type: 'text', nullable: true })
  instanceId!: string | null;

  @Column({ type: 'text', default: '' })
  description!: string;

  /** The return value as JSON text, or the error; cut to RESULT_MAX_BYTES. */
  @Column({ type: 'text', nullable: true })
  result!: string | null;

  /** 1 for a fire's run or a run now; n for its (n-1)-th retry. */
  @Column({ type: 'integer', default: 1 })
  attempt!: number;

  /** A retry's first attempt (the fire's execution); null for a fire or a run now. */
  @Column({ name: 'retry_of', type: 'uuid', nullable: true })
  retryOf!: string | null;
}
