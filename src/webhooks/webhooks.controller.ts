import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { PaginationQueryDto } from '../common/pagination.dto.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { CreateWebhookDto, UpdateWebhookDto, WebhooksQueryDto } from './dto/webhook.dto.js';
import {
  CreatedWebhookResponse,
  DeliveryListResponse,
  DeliveryResponse,
  WebhookListResponse,
  WebhookResponse,
} from './dto/webhook.response.js';
import { WebhookJobGuard, WebhookVisibleGuard } from './webhook.guards.js';
import { WebhooksService } from './webhooks.service.js';

const NOT_FOUND = 'No such webhook, or another user’s';

/** Signed HTTP callbacks when executions end and jobs are paused, resumed or deleted (docs/webhooks.md). */
@ApiTags('webhooks')
@Controller(`${API_PREFIX}/webhooks`)
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @RequirePermissions('job_view')
  @UseGuards(WebhookJobGuard)
  @ApiOperation({
    summary: 'Register a webhook for your jobs (one job with job_id); the signing secret is in this answer only',
  })
  @ApiCreatedResponse({ type: CreatedWebhookResponse })
  @ApiNotFoundResponse({ description: 'job_id: no such job, or another user’s' })
  @ApiBadRequestResponse({
    description:
      'url not http(s), with credentials, unresolvable or to an address CurlJob may not reach; unknown event',
  })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateWebhookDto): Promise<CreatedWebhookResponse> {
    return this.webhooks.create(user, dto);
  }

  @Get()
  @RequirePermissions('job_view')
  @ApiOperation({ summary: 'Your webhooks (an admin: everyone’s), newest first; never their secrets' })
  @ApiOkResponse({ type: WebhookListResponse })
  @ApiBadRequestResponse({ description: 'limit over 1000, malformed job_id' })
  list(@CurrentUser() user: AuthUser, @Query() query: WebhooksQueryDto): Promise<WebhookListResponse> {
    return this.webhooks.list(user, query);
  }

  @Get(':id')
  @RequirePermissions('job_view')
  @ApiOperation({ summary: 'One webhook (without its secret)' })
  @ApiOkResponse({ type: WebhookResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  getOne(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<WebhookResponse> {
    return this.webhooks.getOne(user, id);
  }

  @Patch(':id')
  @RequirePermissions('job_view')
  @UseGuards(WebhookVisibleGuard)
  @ApiOperation({ summary: 'Change url, events, or active (true enables a disabled webhook again)' })
  @ApiOkResponse({ type: WebhookResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiBadRequestResponse({ description: 'url refused (as at creation), unknown event, empty events' })
  update(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() dto: UpdateWebhookDto,
  ): Promise<WebhookResponse> {
    return this.webhooks.update(user, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions('job_view')
  @ApiOperation({ summary: 'Delete a webhook and its delivery log' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: NOT_FOUND })
  remove(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<void> {
    return this.webhooks.remove(user, id);
  }

  @Get(':id/deliveries')
  @RequirePermissions('job_view')
  @UseGuards(WebhookVisibleGuard)
  @ApiOperation({ summary: 'The delivery log of a webhook, newest first, each with its attempts' })
  @ApiOkResponse({ type: DeliveryListResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiBadRequestResponse({ description: 'limit over 1000' })
  deliveries(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() page: PaginationQueryDto,
  ): Promise<DeliveryListResponse> {
    return this.webhooks.listDeliveries(user, id, page);
  }

  @Post(':id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @RequirePermissions('job_view')
  @ApiOperation({
    summary: 'Send a finished delivery again (same id and body, a new round of attempts with retries)',
  })
  @ApiAcceptedResponse({ type: DeliveryResponse })
  @ApiNotFoundResponse({ description: 'No such webhook or delivery, or another user’s' })
  @ApiConflictResponse({ description: 'The delivery is still pending, or the webhook is inactive' })
  redeliver(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
  ): Promise<DeliveryResponse> {
    return this.webhooks.redeliver(user, id, deliveryId);
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequirePermissions('job_view')
  @ApiOperation({
    summary: 'Send a ping event (data: the webhook object) to check the receiver and its signature check',
  })
  @ApiAcceptedResponse({ type: DeliveryResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'The webhook is inactive' })
  test(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<DeliveryResponse> {
    return this.webhooks.ping(user, id);
  }
}
