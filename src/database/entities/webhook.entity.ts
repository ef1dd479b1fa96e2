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
import { User } from '../entities/user.entity.js';

/** The events a webhook may subscribe to (API.md, "Webhooks"); `ping` is only sent by the test endpoint. */
export const WEBHOOK_EVENTS = [
  'execution.succeeded',
  'execution.failed',
  'execution.timeout',
  'execution.missed',
  'execution.skipped',
  'execution.stopped',
  'job.paused',
  'job.resumed',
  'job.deleted',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A URL that receives signed POSTs when an execution ends or a job is paused, resumed or deleted.
 * Without `jobId` it covers every job of its owner (every job at all when the owner is an admin).
 * The rows are matched by database triggers (migration CreateWebhooks), not by application code.
 */
@Entity({ name: 'webhooks' })
export class Webhook {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('IDX_webhooks_owner_id')
  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_webhooks_owner' })
  owner?: User;

  /** One job only; null: all jobs of the owner. No foreign key: the job.deleted delivery outlives the job. */
  @Index('IDX_webhooks_job_id')
  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', array: true })
  events!: string[];

  /** The HMAC key, kept as it is: signing needs it (docs/security.md). Never shown after creation. */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Why the webhook is inactive (disabled by a user, or after failing every delivery for WEBHOOK_DISABLE_AFTER). */
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  /** Time of the first failed attempt since the last successful one; null while deliveries get through. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince!: Date | null;

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;

  @UpdateDateColumn({ name: 'updated_time', type: 'timestamptz' })
  updatedTime!: Date;
}
