import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { AdminOnly, CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { SchedulerStateResponse, toSchedulerStateResponse } from './dto/scheduler-state.response.js';
import { SchedulerControlService } from './scheduler-control.service.js';

@ApiTags('scheduler')
@Controller(`${API_PREFIX}/scheduler`)
export class SchedulerControlController {
  constructor(private readonly control: SchedulerControlService) {}

  @Get()
  @RequirePermissions()
  @ApiOperation({
    summary: 'The scheduler switch: paused or running, who paused it and when (any signed-in user)',
    description: 'Shared by every instance on the database (one row), so every instance answers the same.',
  })
  @ApiOkResponse({ type: SchedulerStateResponse })
  async get(): Promise<SchedulerStateResponse> {
    return toSchedulerStateResponse(await this.control.get());
  }

  @Post('pause')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Pause the scheduler on every instance (admins only)',
    description:
      'Every instance stops starting fires within 2 s (NOTIFY, with a re-read as fallback); run now answers 409 ' +
      'until resumed. Running executions go on. next_run_time is not advanced meanwhile, so on resume the fires ' +
      'missed follow each job’s misfire_grace_seconds / coalesce. Audited as scheduler_paused; pausing a paused ' +
      'scheduler changes nothing (200, no audit row).',
  })
  @ApiOkResponse({ type: SchedulerStateResponse })
  async pause(@CurrentUser() user: AuthUser): Promise<SchedulerStateResponse> {
    return toSchedulerStateResponse(await this.control.pause(user));
  }

  @Post('resume')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Resume the scheduler on every instance (admins only)',
    description:
      'Also releases every instance started with SCHEDULER_START_PAUSED=true. Fires missed while paused follow each ' +
      'job’s misfire rules: within misfire_grace_seconds they run (once, when coalesce), older ones are recorded ' +
      'missed. Audited as scheduler_resumed; resuming a running scheduler with no instance held changes nothing ' +
      '(200, no audit row).',
  })
  @ApiOkResponse({ type: SchedulerStateResponse })
  async resume(@CurrentUser() user: AuthUser): Promise<SchedulerStateResponse> {
    return toSchedulerStateResponse(await this.control.resume(user));
  }
}
