import { Controller, Get, Headers, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../access/auth-user.js';
import { InvalidTokenException } from '../auth/auth.errors.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { ExecutionResponse } from '../executions/dto/execution.response.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { viewerOf } from './change-notice.js';
import { JobChangeEvent, ResyncEvent } from './dto/event-stream.response.js';
import { EventHub } from './event-hub.service.js';
import { claimsOf } from './stream-claims.js';

@ApiTags('events')
@ApiExtraModels(JobChangeEvent, ResyncEvent, ExecutionResponse)
@Controller(`${API_PREFIX}/events`)
export class EventsController {
  constructor(private readonly hub: EventHub) {}

  @Get()
  @RequirePermissions()
  @ApiOperation({
    summary: 'Live events (Server-Sent Events): executions and jobs changing, on any instance',
    description:
      'A `text/event-stream` that stays open. Events: `execution` (data: the execution object as GET /api/v1/executions/{id} ' +
      'shows it when the event is sent) when an execution is created or changes state; `job` (data: `{job_id, change}`, change ' +
      'one of added, modified, paused, resumed, deleted) when a job changes (a fire moving `next_run_time` on is not a change); ' +
      '`resync` (data `{}`) when the client must refetch what it shows. A comment line `: ping` every EVENTS_HEARTBEAT_SECONDS. ' +
      'Scoped like the lists: `execution` events need execution_view, `job` events job_view, and only of jobs the caller may see ' +
      '(their own; everyone’s with view_all or as admin). Every event has an `id:` (the same numbering on every instance); ' +
      'reconnecting with `Last-Event-ID` replays what was missed while it is in the instance’s buffer (EVENTS_BUFFER_SIZE), ' +
      'else sends `resync`. The token goes in the Authorization header only (use a fetch-based client, not EventSource). ' +
      'The stream ends when the token is revoked or expires, the user is disabled or loses a permission, the client reads ' +
      'too slowly (EVENTS_MAX_UNSENT_BYTES), or the instance shuts down: reconnect with Last-Event-ID.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'the id of the last event received' })
  @ApiOkResponse({
    description:
      'The event stream. Event data, by event name: `execution` → ExecutionResponse, `job` → JobChangeEvent, `resync` → ResyncEvent',
    content: {
      'text/event-stream': {
        schema: { type: 'string' },
        example: `id: 42\nevent: job\ndata: {"job_id":"6f1c2b1e-8f43-4c1a-9a57-3f4f0c5d2e10","change":"paused"}\n\n: ping\n\n`,
      },
    },
  })
  @ApiTooManyRequestsResponse({
    description: 'The caller already holds EVENTS_MAX_STREAMS_PER_USER streams on this instance',
  })
  @ApiServiceUnavailableResponse({ description: 'This instance already holds EVENTS_MAX_STREAMS streams' })
  events(
    @CurrentUser() user: AuthUser,
    @Headers('authorization') authorization: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const claims = claimsOf(authorization);
    // The guard accepted the token: without access-token claims it was an API token (`cw_…`).
    if (!claims) throw new InvalidTokenException('not an access token');
    const stream = this.hub.open('events', user, claims, viewerOf(user), reply);
    this.hub.follow(stream, lastEventId?.trim() || undefined);
  }
}
