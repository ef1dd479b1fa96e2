import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { AdminOnly } from '../auth/decorators.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { InstanceListResponse } from './dto/instance.response.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';

export class InstancesQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'also list stopped instances (last 100)' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  all?: boolean;
}

@ApiTags('instances')
@Controller(`${API_PREFIX}/instances`)
export class InstancesController {
  constructor(private readonly scheduler: SchedulerFacade) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'Instances sharing this database, with their heartbeat (admins only)' })
  @ApiOkResponse({ type: InstanceListResponse })
  async list(@Query() query: InstancesQueryDto): Promise<InstanceListResponse> {
    const rows = await this.scheduler.instances(query.all ?? false);
    const instances = rows.map((row) => ({
      instance_id: row.id,
      hostname: row.hostname,
      pid: row.pid,
      version: row.version,
      status: row.stoppedTime ? ('stopped' as const) : row.stale ? ('stale' as const) : ('alive' as const),
      started_time: row.startedTime.toISOString(),
      heartbeat_time: row.heartbeatTime.toISOString(),
      heartbeat_age_seconds: Math.max(0, Math.round(row.age * 10) / 10),
      stopped_time: row.stoppedTime ? row.stoppedTime.toISOString() : null,
      running_executions: row.running,
      current: row.current,
    }));
    return { instances, total: instances.length };
  }
}
