import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { AccessService, notFound } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import { ALL_OWNERS, type OwnerScope, ownScope } from '../access/owner-scope.js';
import type { AppConfig } from '../config/app-config.js';
import type { Webhook } from '../database/entities/webhook.entity.js';
import { WebhookDeliveriesRepository } from '../database/repositories/webhook-deliveries.repository.js';
import { WebhooksRepository } from '../database/repositories/webhooks.repository.js';
import { AddressPolicy } from '../job-classes/builtin/http/address-policy.js';
import type { CreateWebhookDto, UpdateWebhookDto, WebhooksQueryDto } from './dto/webhook.dto.js';
import {
  type CreatedWebhookResponse,
  type DeliveryListResponse,
  type DeliveryResponse,
  toDeliveryResponse,
  toWebhookResponse,
  type WebhookListResponse,
  type WebhookResponse,
} from './dto/webhook.response.js';
import { deliveryBody } from './webhook-body.js';
import { newWebhookSecret } from './webhook-signature.js';
import { webhookUrlProblem } from './webhook-url.js';

const WEBHOOK = 'Webhook';

/**
 * Webhooks of the caller (an admin's: everyone's): registration with the address rules of CurlJob,
 * the delivery log, redeliver and ping. Delivering is {@link WebhookSender}'s.
 */
@Injectable()
export class WebhooksService {
  private readonly policy: AddressPolicy;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly access: AccessService,
    config: ConfigService<AppConfig, true>,
  ) {
    const rules = config.get('curl', { infer: true });
    this.policy = new AddressPolicy(rules.deny, rules.allow);
  }

  /** Webhooks are private to their owner; admins reach all (secrets stay hidden from everyone). */
  private scope(user: AuthUser): OwnerScope {
    return user.isAdmin ? ALL_OWNERS : ownScope(user.id);
  }

  /** `job_id` must be a job the caller may act on: 404 when unseen, 403 when only viewable (view_all). */
  async assertJobCovered(user: AuthUser, jobId: string): Promise<void> {
    const owner = await this.webhooks.jobOwner(jobId);
    if (owner === null) throw notFound('Job');
    this.access.assertCanAct(user, owner, 'Job');
  }

  /** The webhook `id` of the caller's scope, or 404. */
  async get(user: AuthUser, id: string): Promise<Webhook> {
    const webhook = await this.webhooks.findForScope(this.scope(user), id);
    if (!webhook) throw notFound(WEBHOOK);
    return webhook;
  }

  private async assertUrl(url: string): Promise<void> {
    const problem = await webhookUrlProblem(url, this.policy);
    if (problem) throw new BadRequestException(problem);
  }

  async create(user: AuthUser, dto: CreateWebhookDto): Promise<CreatedWebhookResponse> {
    if (dto.job_id !== undefined) await this.assertJobCovered(user, dto.job_id);
    await this.assertUrl(dto.url);
    const secret = newWebhookSecret();
    const row = await this.webhooks.create({
      ownerId: user.id,
      jobId: dto.job_id ?? null,
      url: dto.url,
      events: dto.events,
      secret,
    });
    return { ...toWebhookResponse(row), secret };
  }

  async list(user: AuthUser, query: WebhooksQueryDto): Promise<WebhookListResponse> {
    const { rows, total } = await this.webhooks.listForScope(
      this.scope(user),
      { jobId: query.job_id },
      { limit: query.limit, offset: query.offset },
    );
    return { webhooks: rows.map(toWebhookResponse), total };
  }

  async getOne(user: AuthUser, id: string): Promise<WebhookResponse> {
    return toWebhookResponse(await this.get(user, id));
  }

  async update(user: AuthUser, id: string, dto: UpdateWebhookDto): Promise<WebhookResponse> {
    const webhook = await this.get(user, id);
    if (dto.url !== undefined) await this.assertUrl(dto.url);
    let disabledReason: string | null | undefined;
    if (dto.active === true) disabledReason = null;
    if (dto.active === false && webhook.active) disabledReason = `disabled by ${user.username}`;
    await this.webhooks.update(webhook.id, { url: dto.url, events: dto.events, active: dto.active, disabledReason });
    return toWebhookResponse(await this.get(user, id));
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    const webhook = await this.get(user, id);
    await this.webhooks.delete(webhook.id);
  }

  async listDeliveries(
    user: AuthUser,
    id: string,
    page: { limit: number; offset: number },
  ): Promise<DeliveryListResponse> {
    const webhook = await this.get(user, id);
    const { rows, total } = await this.deliveries.listForWebhook(webhook.id, page);
    return { deliveries: rows.map(toDeliveryResponse), total };
  }

  async redeliver(user: AuthUser, id: string, deliveryId: string): Promise<DeliveryResponse> {
    const webhook = await this.get(user, id);
    const delivery = await this.deliveries.find(webhook.id, deliveryId);
    if (!delivery) throw notFound('Delivery');
    this.assertActive(webhook);
    if (!(await this.deliveries.redeliver(webhook.id, delivery.id))) {
      throw new ConflictException('This delivery is still pending: it is being sent or retried');
    }
    // As queued (the sender may be at it already: the log shows how it went).
    return toDeliveryResponse({ ...delivery, status: 'pending', nextAttemptTime: new Date() });
  }

  /** Queues a `ping` event whose data is the webhook object. */
  async ping(user: AuthUser, id: string): Promise<DeliveryResponse> {
    const webhook = await this.get(user, id);
    this.assertActive(webhook);
    const deliveryId = randomUUID();
    const createdTime = new Date();
    await this.deliveries.enqueue({
      id: deliveryId,
      webhookId: webhook.id,
      event: 'ping',
      body: deliveryBody(deliveryId, 'ping', createdTime, toWebhookResponse(webhook)),
      createdTime,
    });
    // As queued (the sender may be at it already: the log shows how it went).
    return {
      id: deliveryId,
      event: 'ping',
      attempt: 0,
      status: 'pending',
      response_status: null,
      duration_ms: null,
      error: null,
      created_time: createdTime.toISOString(),
      next_attempt_time: createdTime.toISOString(),
      attempts: [],
    };
  }

  private assertActive(webhook: Webhook): void {
    if (!webhook.active) {
      throw new ConflictException(
        `This webhook is inactive (${webhook.disabledReason ?? 'disabled'}): enable it with PATCH {"active": true} first`,
      );
    }
  }
}
