import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AccessService } from '../access/access.service.js';
import { type AuthUser, hasPermission } from '../access/auth-user.js';
import type { OwnerScope } from '../access/owner-scope.js';
import type { AppConfig } from '../config/app-config.js';
import { EXECUTION_STATES } from '../database/entities/execution.entity.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import { JobsRepository } from '../database/repositories/jobs.repository.js';
import {
  DASHBOARD_LIST_LIMIT,
  type DashboardFailingJobsResponse,
  type DashboardFailuresResponse,
  type DashboardResponse,
  type DashboardRunningResponse,
  type DashboardStateCountsResponse,
  type DashboardUpcomingResponse,
} from './dto/dashboard.response.js';
import { startOfDay } from './start-of-day.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/**
 * The dashboard: one summary of the caller's jobs and executions (everyone's with view_all or as
 * admin), scoped exactly like the lists. Six statements run side by side, each on an index:
 * jobs(owner_id), executions(owner_id, scheduled_time) / (scheduled_time), the partial "running"
 * indexes, jobs(next_run_time) and, per job, the (job_id, scheduled_time) unique index for its last run.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly executions: ExecutionsRepository,
    private readonly access: AccessService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async summary(user: AuthUser, timezone?: string): Promise<DashboardResponse> {
    const zone = timezone ?? this.config.get('timezone', { infer: true });
    const now = new Date();
    const todayStart = startOfDay(now, zone);
    const scope = this.access.readScope(user);
    const executionsVisible = hasPermission(user, 'execution_view');
    const [jobs, upcoming, runsToday, running, failures, failingJobs] = await Promise.all([
      this.jobs.countWithPaused(scope),
      this.upcoming(scope, now),
      executionsVisible ? this.runsSince(scope, todayStart) : null,
      executionsVisible ? this.running(scope) : null,
      executionsVisible ? this.failuresSince(scope, new Date(now.getTime() - DAY_MS)) : null,
      executionsVisible ? this.failingJobs(scope) : null,
    ]);
    return {
      generated_time: now.toISOString(),
      timezone: zone,
      today_start: todayStart.toISOString(),
      executions_visible: executionsVisible,
      jobs,
      runs_today: runsToday,
      running,
      failures_24h: failures,
      upcoming,
      failing_jobs: failingJobs,
    };
  }

  private async runsSince(scope: OwnerScope, since: Date): Promise<DashboardStateCountsResponse> {
    const rows = await this.executions.countByStateSince(scope, since);
    const counts = Object.fromEntries(EXECUTION_STATES.map((state) => [state, 0])) as Record<string, number>;
    for (const row of rows) counts[row.state] = row.count;
    return counts as unknown as DashboardStateCountsResponse;
  }

  private async running(scope: OwnerScope): Promise<DashboardRunningResponse> {
    const { rows, total } = await this.executions.listRunning(scope, DASHBOARD_LIST_LIMIT);
    return {
      executions: rows.map((row) => ({
        execution_id: row.id,
        job: { job_id: row.jobId, name: row.jobName },
        scheduled_time: row.scheduledTime.toISOString(),
        started_time: iso(row.startedTime),
      })),
      total,
    };
  }

  private async failuresSince(scope: OwnerScope, since: Date): Promise<DashboardFailuresResponse> {
    const { rows, total } = await this.executions.listFailedSince(scope, since, DASHBOARD_LIST_LIMIT);
    return {
      executions: rows.map((row) => ({
        execution_id: row.id,
        job: { job_id: row.jobId, name: row.jobName },
        state: row.state,
        scheduled_time: row.scheduledTime.toISOString(),
        finished_time: iso(row.finishedTime),
      })),
      total,
    };
  }

  private async upcoming(scope: OwnerScope, now: Date): Promise<DashboardUpcomingResponse> {
    const { rows, total } = await this.jobs.listDueBy(scope, new Date(now.getTime() + DAY_MS), DASHBOARD_LIST_LIMIT);
    return {
      jobs: rows.map((row) => ({ job_id: row.id, name: row.name, next_run_time: row.nextRunTime.toISOString() })),
      total,
    };
  }

  private async failingJobs(scope: OwnerScope): Promise<DashboardFailingJobsResponse> {
    const { rows, total } = await this.jobs.listFailing(scope, DASHBOARD_LIST_LIMIT);
    return {
      jobs: rows.map((row) => ({
        job_id: row.id,
        name: row.name,
        execution_id: row.lastExecution.id,
        state: row.lastExecution.state,
        scheduled_time: row.lastExecution.scheduledTime.toISOString(),
      })),
      total,
    };
  }
}
