import { ApiProperty } from '@nestjs/swagger';
import { DELIVERY_STATUSES, type WebhookDelivery } from '../../database/entities/webhook-delivery.entity.js';
import { WEBHOOK_EVENTS, type Webhook } from '../../database/entities/webhook.entity.js';
import { OwnerResponse } from '../../jobs/dto/job.response.js';

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'https://hooks.example.com/cronwarden' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true })
  events!: string[];

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: all jobs of the owner' })
  job_id!: string | null;

  @ApiProperty({ description: 'false: nothing is delivered (see disabled_reason)' })
  active!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'why the webhook is inactive: disabled by a user, or after every delivery failed for WEBHOOK_DISABLE_AFTER (24 h), with the last error',
  })
  disabled_reason!: string | null;

  @ApiProperty({ type: OwnerResponse })
  owner!: OwnerResponse;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ format: 'date-time' })
  updated_time!: string;
}

export class CreatedWebhookResponse extends WebhookResponse {
  @ApiProperty({
    example: 'whsec_2mG4nY0dVbq3t7R3nFqPZk1hS8yT0aW5cE9uJ6xL4oQ',
    description: 'the HMAC-SHA256 key of X-Cronwarden-Signature: in this answer only',
  })
  secret!: string;
}

export class WebhookListResponse {
  @ApiProperty({ type: [WebhookResponse] })
  webhooks!: WebhookResponse[];

  @ApiProperty()
  total!: number;
}

export class DeliveryAttemptResponse {
  @ApiProperty({ minimum: 1 })
  attempt!: number;

  @ApiProperty({ enum: ['succeeded', 'failed', 'retrying'] })
  status!: string;

  @ApiProperty({ type: Number, nullable: true })
  response_status!: number | null;

  @ApiProperty()
  duration_ms!: number;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({ format: 'date-time' })
  time!: string;
}

export class DeliveryResponse {
  @ApiProperty({
    format: 'uuid',
    description: 'the X-Cronwarden-Delivery header and body id, the same on every attempt',
  })
  id!: string;

  @ApiProperty({ enum: [...WEBHOOK_EVENTS, 'ping'] })
  event!: string;

  @ApiProperty({ description: 'attempts made so far (0 before the first)' })
  attempt!: number;

  @ApiProperty({ enum: DELIVERY_STATUSES })
  status!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the latest attempt' })
  response_status!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'duration of the latest attempt' })
  duration_ms!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'why the latest attempt failed' })
  error!: string | null;

  @ApiProperty({ format: 'date-time', description: 'when the event happened (also created_time in the body)' })
  created_time!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'while pending: when the next attempt is due',
  })
  next_attempt_time!: string | null;

  @ApiProperty({ type: [DeliveryAttemptResponse], description: 'every attempt, oldest first' })
  attempts!: DeliveryAttemptResponse[];
}

export class DeliveryListResponse {
  @ApiProperty({ type: [DeliveryResponse] })
  deliveries!: DeliveryResponse[];

  @ApiProperty()
  total!: number;
}

export function toWebhookResponse(webhook: Webhook): WebhookResponse {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    job_id: webhook.jobId,
    active: webhook.active,
    disabled_reason: webhook.disabledReason,
    owner: { id: webhook.ownerId, username: webhook.owner?.username ?? '' },
    created_time: webhook.createdTime.toISOString(),
    updated_time: webhook.updatedTime.toISOString(),
  };
}

export function toDeliveryResponse(delivery: WebhookDelivery): DeliveryResponse {
  return {
    id: delivery.id,
    event: delivery.event,
    attempt: delivery.attempt,
    status: delivery.status,
    response_status: delivery.responseStatus,
    duration_ms: delivery.durationMs,
    error: delivery.error,
    created_time: delivery.createdTime.toISOString(),
    next_attempt_time: delivery.status === 'pending' ? delivery.nextAttemptTime.toISOString() : null,
    attempts: delivery.attempts.map((each) => ({ ...each })),
  };
}
