import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { notFound } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import { InvalidTokenException } from '../auth/auth.errors.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { ExecutionResponse } from '../executions/dto/execution.response.js';
import { isUuid } from '../common/uuid.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { seesOwner, viewerOf } from './change-notice.js';
import { OutputChunkEvent } from './dto/event-stream.response.js';
import { EventHub } from './event-hub.service.js';
import { ExecutionOutputService } from './execution-output.service.js';
import { claimsOf } from './stream-claims.js';

@ApiTags('executions')
@ApiExtraModels(OutputChunkEvent, ExecutionResponse)
@Controller(`${API_PREFIX}/executions`)
export class ExecutionOutputController {
  constructor(
    private readonly hub: EventHub,
    private readonly output: ExecutionOutputService,
  ) {}

  @Get(':execution_id/output')
  @RequirePermissions('execution_view')
  @ApiOperation({
    summary: 'The stdout/stderr of an execution, live while it runs (Server-Sent Events)',
    description:
      'A `text/event-stream`. While a ShellJob or ScriptJob runs: first `output` events with the tail written so far ' +
      '(at most OUTPUT_MAX_BYTES), then an `output` event `{stream: "stdout"|"stderr", data}` for each piece as it is written, ' +
      'then `end` (data: the finished execution object) and the stream closes. For a finished execution: its stored output ' +
      '(from `result`) as `output` events, then `end`. Visible as GET /api/v1/executions/{id} (another user’s → 404). ' +
      'Counts toward EVENTS_MAX_STREAMS_PER_USER. Through another instance than the one running it, the output arrives ' +
      'relayed every 200 ms (at most 32 KiB per 200 ms of it; more is skipped there, saying how much) and its tail starts ' +
      'when that instance first heard of it.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'Event data, by event name: `output` → OutputChunkEvent, `end` → ExecutionResponse',
    content: {
      'text/event-stream': {
        schema: { type: 'string' },
        example: `event: output\ndata: {"stream":"stdout","data":"line1\\n"}\n\nevent: end\ndata: {"execution_id":"…","state":"succeeded"}\n\n`,
      },
    },
  })
  @ApiNotFoundResponse()
  @ApiTooManyRequestsResponse({
    description: 'The caller already holds EVENTS_MAX_STREAMS_PER_USER streams on this instance',
  })
  @ApiServiceUnavailableResponse({ description: 'This instance already holds EVENTS_MAX_STREAMS streams' })
  async stream(
    @CurrentUser() user: AuthUser,
    @Param('execution_id') executionId: string,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const claims = claimsOf(authorization);
    // The guard accepted the token: without access-token claims it was an API token (`cw_…`).
    if (!claims) throw new InvalidTokenException('not an access token');
    const viewer = viewerOf(user);
    const execution = isUuid(executionId) ? (await this.hub.loadExecutions([executionId])).get(executionId) : undefined;
    if (!execution || !seesOwner(viewer, execution.owner?.id ?? null)) throw notFound('Execution');
    const stream = this.hub.open('output', user, claims, viewer, reply, execution.owner?.id ?? null);
    this.output.follow(stream, execution);
  }
}
