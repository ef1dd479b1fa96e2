import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';
import { isUuid } from '../common/uuid.js';
import { WebhooksService } from './webhooks.service.js';

interface WebhookRequest {
  user: AuthUser;
  params: Record<string, string | undefined>;
  body?: unknown;
}

const requestOf = (context: ExecutionContext): WebhookRequest => context.switchToHttp().getRequest<WebhookRequest>();

/** `:id` must be a webhook of the caller's (any, for an admin): 404 before the body is validated. */
@Injectable()
export class WebhookVisibleGuard implements CanActivate {
  constructor(private readonly webhooks: WebhooksService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    await this.webhooks.get(request.user, request.params.id ?? '');
    return true;
  }
}

/** A `job_id` in the body must be a job the caller may act on: 404 (or 403 for view_all) before validation. */
@Injectable()
export class WebhookJobGuard implements CanActivate {
  constructor(private readonly webhooks: WebhooksService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const jobId = (requestOf(context).body as { job_id?: unknown } | undefined)?.job_id;
    if (typeof jobId === 'string' && isUuid(jobId))
      await this.webhooks.assertJobCovered(requestOf(context).user, jobId);
    return true;
  }
}
