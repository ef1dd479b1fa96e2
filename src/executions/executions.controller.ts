import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiParam,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { resolveTimeRange } from '../common/time-range.dto.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { AnswersJsonBytes } from '../http/json-list.js';
import { GuardedJob, JobActionGuard } from '../jobs/job.guards.js';
import type { JobWithOwner } from '../database/repositories/jobs.repository.js';
import {
  ExecutionListResponse,
  ExecutionResponse,
  ExecutionStatsResponse,
  RunNowResponse,
  toExecutionResponse,
} from './dto/execution.response.js';
import { ExecutionStatsQueryDto, ExecutionsQueryDto } from './dto/executions.query.js';
import { ExecutionsService } from './executions.service.js';

@ApiTags('executions')
@Controller(`${API_PREFIX}/executions`)
export class ExecutionsController {
  constructor(private readonly executions: ExecutionsService) {}

  @Get()
  @RequirePermissions('execution_view')
  @ApiOperation({ summary: 'Executions, newest first (time range on scheduled_time, default the last hour)' })
  @ApiOkResponse({ type: ExecutionListResponse })
  @ApiBadRequestResponse({ description: 'Malformed date, unknown state, limit over 1000' })
  @AnswersJsonBytes()
  async list(@CurrentUser() user: AuthUser, @Query() query: ExecutionsQueryDto): Promise<Buffer> {
    return this.executions.listJson(user, {
      ...resolveTimeRange(query),
      jobId: query.job_id,
      state: query.state,
      limit: query.limit,
      offset: query.offset,
    });
  }

  // Declared before `:execution_id` (a static segment wins in Fastify's router anyway).
  @Get('stats')
  @RequirePermissions('execution_view')
  @ApiOperation({
    summary: 'How many executions of a time range are in each state (as ndscheduler’s sidebar)',
    description:
      'The same scope, time range (on scheduled_time, default the last hour) and job filter as GET /executions, ' +
      'counted over the whole range rather than one page. A job_id you cannot see counts nothing.',
  })
  @ApiOkResponse({ type: ExecutionStatsResponse })
  @ApiBadRequestResponse({ description: 'Malformed date, time_range_start after time_range_end, malformed job_id' })
  async stats(@CurrentUser() user: AuthUser, @Query() query: ExecutionStatsQueryDto): Promise<ExecutionStatsResponse> {
    return this.executions.stats(user, { ...resolveTimeRange(query), jobId: query.job_id });
  }

  @Get(':execution_id')
  @RequirePermissions('execution_view')
  @ApiOperation({ summary: 'Get an execution' })
  @ApiOkResponse({ type: ExecutionResponse })
  @ApiNotFoundResponse()
  async get(@CurrentUser() user: AuthUser, @Param('execution_id') id: string): Promise<ExecutionResponse> {
    return toExecutionResponse(await this.executions.get(user, id));
  }

  @Post(':job_id')
  @RequirePermissions('job_run')
  @UseGuards(JobActionGuard)
  @ApiParam({ name: 'job_id', type: String })
  @ApiOperation({
    summary: 'Run a job now, once, beside its schedule (also when paused), limited like a scheduled fire',
    description:
      "Besides the 403 for a caller without job_run: 403 when the job's owner is disabled or no longer holds the permission the job class requires " +
      '(the message names the reason); 409 when max_instances executions of the job are running; 429 when ' +
      'its owner has MAX_RUNNING_PER_USER executions running; 409 "the scheduler is paused" while the scheduler switch ' +
      'is paused. The limits are checked in the statement that inserts the ' +
      'execution: nothing is recorded when refused.',
  })
  @ApiCreatedResponse({ type: RunNowResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({
    description:
      'The job already runs its maximum of max_instances executions, or the scheduler is paused (the message says which)',
  })
  @ApiTooManyRequestsResponse({ description: 'The job’s owner already has MAX_RUNNING_PER_USER executions running' })
  async runNow(@CurrentUser() user: AuthUser, @GuardedJob() job: JobWithOwner): Promise<RunNowResponse> {
    return { execution_id: await this.executions.runNow(user, job) };
  }

  @Post(':execution_id/stop')
  @HttpCode(200)
  @RequirePermissions('job_run')
  @ApiOperation({ summary: 'Stop a running execution (state stopped)' })
  @ApiOkResponse({ type: ExecutionResponse })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The execution is not running' })
  async stop(@CurrentUser() user: AuthUser, @Param('execution_id') id: string): Promise<ExecutionResponse> {
    return toExecutionResponse(await this.executions.stop(user, id));
  }
}
