import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { DashboardService } from './dashboard.service.js';
import { DashboardQueryDto } from './dto/dashboard.query.js';
import { DashboardResponse } from './dto/dashboard.response.js';

@ApiTags('dashboard')
@Controller(`${API_PREFIX}/dashboard`)
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @RequirePermissions('job_view')
  @ApiOperation({
    summary: "A summary of the caller's jobs and executions (everyone's with view_all or as admin)",
    description:
      'Scoped exactly like the lists. runs_today counts executions scheduled since midnight in `timezone` ' +
      "(default: the server's TIMEZONE). The execution parts (runs_today, running, failures_24h, failing_jobs) " +
      'need execution_view: without it they are null and executions_visible is false. Lists hold at most 20 ' +
      'items; each has its total.',
  })
  @ApiOkResponse({ type: DashboardResponse })
  @ApiBadRequestResponse({ description: 'timezone is not an IANA time zone name' })
  summary(@CurrentUser() user: AuthUser, @Query() query: DashboardQueryDto): Promise<DashboardResponse> {
    return this.dashboard.summary(user, query.timezone);
  }
}
