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
export const EXECUTION_TRIGGERS = ['cron', 'manual'] as const;
export type ExecutionTrigger = (typeof EXECUTION_TRIGGERS)[number];

/**
 * One fire of a job, and its outcome. `(job_id, scheduled_time)` is unique: claiming a fire is an
 * `INSERT ... ON CONFLICT DO NOTHING`, so each fire is recorded once across every instance.
 * The job's name and class are copied in, so the history stays readable after the job is deleted.
 */
@Entity({ name: 'executions' })
@Unique('UQ_executions_job_scheduled', ['jobId', 'scheduledTime'])
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
}
