import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/decorators.js';
import { HealthResponse } from './health.response.js';
import { APP_VERSION } from '../common/app-version.js';
import { ExecutionRunner } from '../scheduler/execution-runner.js';
import { SchedulerService } from '../scheduler/scheduler.service.js';
import { EventLoopMonitor } from './event-loop.monitor.js';

const DB_PING_TIMEOUT_MS = 1_500;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly scheduler: SchedulerService,
    private readonly runner: ExecutionRunner,
    private readonly eventLoop: EventLoopMonitor,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and database status of this instance (no authentication)' })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable; body as for 200 with status "error"' })
  async check(): Promise<HealthResponse> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.db.pingCheck('database').withTimeout(DB_PING_TIMEOUT_MS)]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      throw new ServiceUnavailableException(this.toResponse(error.getResponse() as HealthCheckResult));
    }
    return this.toResponse(result);
  }

  private toResponse(result: HealthCheckResult): HealthResponse {
    return {
      status: result.status === 'ok' ? 'ok' : 'error',
      db: result.details['database']?.status === 'up' ? 'up' : 'down',
      scheduler: this.scheduler.state,
      registered_jobs: this.scheduler.registeredJobs,
      running_executions: this.runner.runningCount,
      event_loop: { ...this.eventLoop.lastWindow },
      uptime_seconds: Math.round(process.uptime() * 10) / 10,
      version: APP_VERSION,
      details: result.details,
    };
  }
}
