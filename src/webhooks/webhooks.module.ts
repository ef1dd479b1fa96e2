import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { WebhookDeliveriesRepository } from '../database/repositories/webhook-deliveries.repository.js';
import { WebhooksRepository } from '../database/repositories/webhooks.repository.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { WebhookJobGuard, WebhookVisibleGuard } from './webhook.guards.js';
import { WebhookSender } from './webhook-sender.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** Webhooks: registration (REST), and the sender every instance runs over the queue in PostgreSQL. */
@Module({
  imports: [AccessModule, MetricsModule, SchedulerModule],
  providers: [
    WebhooksRepository,
    WebhookDeliveriesRepository,
    WebhooksService,
    WebhookSender,
    WebhookVisibleGuard,
    WebhookJobGuard,
  ],
  controllers: [WebhooksController],
  exports: [WebhookSender],
})
export class WebhooksModule {}
