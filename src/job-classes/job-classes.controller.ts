import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermissions } from '../auth/decorators.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { JobClassListResponse, toJobClassResponse } from './dto/job-class.response.js';
import { JobClassRegistry } from './job-class.registry.js';

@ApiTags('job-classes')
@Controller(`${API_PREFIX}/job-classes`)
@RequirePermissions('job_view')
export class JobClassesController {
  constructor(private readonly registry: JobClassRegistry) {}

  @Get()
  @ApiOperation({ summary: 'List the job classes jobs can use here (disabled and unavailable ones are left out)' })
  @ApiOkResponse({ type: JobClassListResponse })
  list(): JobClassListResponse {
    return { job_classes: this.registry.list().map(toJobClassResponse) };
  }
}
