import { Controller, Get, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { type AuthenticatedRequest, isPrivilegedCaller, PublicWithOptionalAuth } from '../auth/decorators.js';
import { HealthResponse } from './health.response.js';
import { APP_VERSION } from '../common/app-version.js';
import { InstanceRegistryService } from '../instances/instance-registry.service.js';
import { ExecutionRunner } from '../scheduler/execution-runner.js';
import { FireDispatcher } from '../scheduler/fire-dispatcher.js';
import { InstanceIdentity } from '../scheduler/instance.js';
import { JobSync } from '../scheduler/job-sync.js';
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
    private readonly instance: InstanceIdentity,
    private readonly instances: InstanceRegistryService,
    private readonly sync: JobSync,
    private readonly dispatcher: FireDispatcher,
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
    const alive = await this.instances.aliveCount().catch(() => null);
    return this.toResponse(result, alive, detailed);
  }

  /** `detailed`: an admin or the metrics scraper, who may see where the instance runs (host name, pid). */
  private toResponse(result: HealthCheckResult, instancesAlive: number | null, detailed: boolean): HealthResponse {
    return {
      status: result.status === 'ok' ? 'ok' : 'error',
      db: result.details['database']?.status === 'up' ? 'up' : 'down',
      scheduler: this.scheduler.state,
      registered_jobs: this.scheduler.registeredJobs,
      running_executions: this.runner.runningCount,
      event_loop: { ...this.eventLoop.lastWindow },
      instance: detailed
        ? { id: this.instance.id, hostname: this.instance.hostname, pid: this.instance.pid }
        : { id: this.instance.id },
      instances_alive: instancesAlive,
      dispatch: {
        fires: this.dispatcher.stats.fires,
        claimed: this.dispatcher.stats.claimed,
        lost_to_others: this.dispatcher.stats.lostToOthers,
        catch_ups: this.dispatcher.stats.catchUps,
      },
      job_sync: this.sync.isListening ? 'listening' : 'reconnecting',
      uptime_seconds: Math.round(process.uptime() * 10) / 10,
      version: APP_VERSION,
      details: result.details,
    };
  }
}
