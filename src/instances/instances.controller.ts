import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { AdminOnly } from '../auth/decorators.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { InstanceListResponse } from './dto/instance.response.js';
import { InstanceRegistryService } from './instance-registry.service.js';

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
  constructor(private readonly instances: InstanceRegistryService) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'Instances sharing this database, with their heartbeat (admins only)' })
  @ApiOkResponse({ type: InstanceListResponse })
  async list(@Query() query: InstancesQueryDto): Promise<InstanceListResponse> {
    const instances = await this.instances.list(query.all ?? false);
    return { instances, total: instances.length };
  }
}
