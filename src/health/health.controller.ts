import { Controller, Get, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { type AuthenticatedRequest, isPrivilegedCaller, PublicWithOptionalAuth } from '../auth/decorators.js';
import { HealthResponse } from './health.response.js';
import { APP_VERSION } from '../common/app-version.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import { EventLoopMonitor } from './event-loop.monitor.js';

const DB_PING_TIMEOUT_MS = 1_500;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly scheduler: SchedulerFacade,
    private readonly eventLoop: EventLoopMonitor,
  ) {}

  @Get()
  @PublicWithOptionalAuth()
  @ApiOperation({
    summary: 'Liveness and database status of this instance (no authentication)',
    description:
      "No token needed. The instance's host name and process id are shown only to an admin's bearer token or the METRICS_TOKEN bearer; any other token (or a bad one) gets the anonymous answer.",
  })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable; body as for 200 with status "error"' })
  async check(@Req() request: AuthenticatedRequest): Promise<HealthResponse> {
    const detailed = isPrivilegedCaller(request);
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.db.pingCheck('database').withTimeout(DB_PING_TIMEOUT_MS)]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      throw new ServiceUnavailableException(this.toResponse(error.getResponse() as HealthCheckResult, null, detailed));
    }
    const alive = await this.scheduler.instancesAlive().catch(() => null);
    return this.toResponse(result, alive, detailed);
  }

  /** `detailed`: an admin or the metrics scraper, who may see where the instance runs (host name, pid). */
  private toResponse(result: HealthCheckResult, instancesAlive: number | null, detailed: boolean): HealthResponse {
    const stats = this.scheduler.stats();
    return {
      status: result.status === 'ok' ? 'ok' : 'error',
      db: result.details['database']?.status === 'up' ? 'up' : 'down',
      scheduler: stats.state,
      scheduler_paused: stats.paused,
      scheduler_pause_reason: stats.pauseReason,
      registered_jobs: stats.registeredJobs,
      running_executions: stats.runningExecutions,
      event_loop: { ...this.eventLoop.lastWindow },
      instance: detailed ? { ...stats.instance } : { id: stats.instance.id },
      instances_alive: instancesAlive,
      dispatch: {
        fires: stats.dispatch.fires,
        claimed: stats.dispatch.claimed,
        lost_to_others: stats.dispatch.lostToOthers,
        catch_ups: stats.dispatch.catchUps,
      },
      job_sync: stats.jobSyncListening ? 'listening' : 'reconnecting',
      uptime_seconds: Math.round(process.uptime() * 10) / 10,
      version: APP_VERSION,
      details: result.details,
    };
  }
}
