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
import { Webhook } from './webhook.entity.js';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One attempt of a delivery, as logged. */
export interface DeliveryAttempt {
  attempt: number;
  /** `retrying`: failed, another attempt is due at `next_attempt_time`. */
  status: 'succeeded' | 'failed' | 'retrying';
  response_status: number | null;
  duration_ms: number;
  error: string | null;
  time: string;
}

/**
 * One event for one webhook: a queue entry while `pending`, then the log of its attempts. Each
 * claim (FOR UPDATE SKIP LOCKED) raises `attempt` and leases the row until `next_attempt_time`, so
 * an attempt is made by one instance only; one that dies mid-attempt leaves the row due again
 * after the lease. `body` is fixed at the first attempt, so every attempt sends the same bytes.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('IDX_webhook_deliveries_webhook_created', ['webhookId', 'createdTime'])
@Index('IDX_webhook_deliveries_due', ['nextAttemptTime'], { where: `"status" = 'pending'` })
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'webhook_id', type: 'uuid' })
  webhookId!: string;

  @ManyToOne(() => Webhook, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id', foreignKeyConstraintName: 'FK_webhook_deliveries_webhook' })
  webhook?: Webhook;

  @Column({ type: 'text' })
  event!: string;

  /** The execution or job row as the trigger saw it (`to_jsonb`, plus `owner_username`); null for a ping. */
  @Column({ type: 'jsonb', nullable: true })
  snapshot!: Record<string, unknown> | null;

  /** The JSON body sent, built at the first attempt. */
  @Column({ type: 'text', nullable: true })
  body!: string | null;

  @Column({ type: 'text', default: 'pending' })
  status!: DeliveryStatus;

  /** Attempts made so far (the one under way included). */
  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  /** `attempt` when the current round began (0, or where a redeliver started a new one). */
  @Column({ name: 'round_start_attempt', type: 'integer', default: 0 })
  roundStartAttempt!: number;

  @Column({ name: 'round_started_time', type: 'timestamptz', default: () => 'now()' })
  roundStartedTime!: Date;

  @Column({ name: 'next_attempt_time', type: 'timestamptz', default: () => 'now()' })
  nextAttemptTime!: Date;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus!: number | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  attempts!: DeliveryAttempt[];

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;

  @UpdateDateColumn({ name: 'updated_time', type: 'timestamptz' })
  updatedTime!: Date;
}
