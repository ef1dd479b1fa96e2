import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessService } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { resolveTimeRange } from '../common/time-range.dto.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditLogListResponse, toAuditLogResponse } from './dto/audit-log.response.js';
import { AuditLogsQueryDto } from './dto/audit-logs.query.js';

@ApiTags('logs')
@Controller(`${API_PREFIX}/logs`)
export class AuditLogsController {
  constructor(
    private readonly auditLogs: AuditLogService,
    private readonly access: AccessService,
  ) {}

  @Get()
  @RequirePermissions('audit_view')
  @ApiOperation({
    summary: 'Audit log, newest first',
    description:
      "Your own entries; every user's job entries with view_all; everything (user and role administration included) as admin. Read-only.",
  })
  @ApiOkResponse({ type: AuditLogListResponse })
  @ApiBadRequestResponse({ description: 'Malformed date, unknown event, limit over 1000' })
  async list(@CurrentUser() user: AuthUser, @Query() query: AuditLogsQueryDto): Promise<AuditLogListResponse> {
    const { rows, total } = await this.auditLogs.list(this.access.auditScope(user), {
      ...resolveTimeRange(query),
      jobId: query.job_id,
      event: query.event,
      limit: query.limit,
      offset: query.offset,
    });
    return { logs: rows.map(toAuditLogResponse), total };
  }
}
