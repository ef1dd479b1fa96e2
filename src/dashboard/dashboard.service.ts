import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { type AuthUser, hasPermission } from '../access/auth-user.js';
import { ownerCondition, type OwnerScope } from '../access/owner-scope.js';
import type { AppConfig } from '../config/app-config.js';
import { EXECUTION_STATES } from '../database/entities/execution.entity.js';
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

/** `AND <alias>.owner_id = $n` for an owner scope (the value appended to `params`), nothing for all owners. */
function ownerFilter(alias: string, scope: OwnerScope, params: unknown[]): string {
  if (scope.kind === 'all') return '';
  params.push(ownerCondition(scope).ownerId);
  return `AND ${alias}.owner_id = $${params.length}`;
}

/**
 * The dashboard: one summary of the caller's jobs and executions (everyone's with view_all or as
 * admin), scoped exactly like the lists. Six statements run side by side, each on an index:
 * jobs(owner_id), executions(owner_id, scheduled_time) / (scheduled_time), the partial "running"
 * indexes, jobs(next_run_time) and, per job, the (job_id, scheduled_time) unique index for its last run.
 */
@Injectable()
export class DashboardService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
      this.jobCounts(scope),
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

  private async jobCounts(scope: OwnerScope): Promise<{ total: number; paused: number }> {
    const params: unknown[] = [];
    const rows: Array<{ total: string; paused: string }> = await this.dataSource.query(
      `SELECT count(*) AS total, count(*) FILTER (WHERE j.paused) AS paused
         FROM jobs j WHERE TRUE ${ownerFilter('j', scope, params)}`,
      params,
    );
    return { total: Number(rows[0].total), paused: Number(rows[0].paused) };
  }

  private async runsSince(scope: OwnerScope, since: Date): Promise<DashboardStateCountsResponse> {
    const params: unknown[] = [since];
    const rows: Array<{ state: string; count: string }> = await this.dataSource.query(
      `SELECT e.state, count(*) AS count FROM executions e
        WHERE e.scheduled_time >= $1 ${ownerFilter('e', scope, params)}
        GROUP BY e.state`,
      params,
    );
    const counts = Object.fromEntries(EXECUTION_STATES.map((state) => [state, 0])) as Record<string, number>;
    for (const row of rows) counts[row.state] = Number(row.count);
    return counts as unknown as DashboardStateCountsResponse;
  }

  private async running(scope: OwnerScope): Promise<DashboardRunningResponse> {
    const params: unknown[] = [];
    const filter = ownerFilter('e', scope, params);
    params.push(DASHBOARD_LIST_LIMIT);
    const rows: Array<{
      id: string;
      job_id: string;
      job_name: string;
      scheduled_time: Date;
      started_time: Date | null;
      total: string;
    }> = await this.dataSource.query(
      `SELECT e.id, e.job_id, e.job_name, e.scheduled_time, e.started_time, count(*) OVER () AS total
         FROM executions e WHERE e.state = 'running' ${filter}
        ORDER BY e.started_time ASC NULLS LAST, e.id LIMIT $${params.length}`,
      params,
    );
    return {
      executions: rows.map((row) => ({
        execution_id: row.id,
        job: { job_id: row.job_id, name: row.job_name },
        scheduled_time: row.scheduled_time.toISOString(),
        started_time: iso(row.started_time),
      })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }

  private async failuresSince(scope: OwnerScope, since: Date): Promise<DashboardFailuresResponse> {
    const params: unknown[] = [since];
    const filter = ownerFilter('e', scope, params);
    params.push(DASHBOARD_LIST_LIMIT);
    const rows: Array<{
      id: string;
      job_id: string;
      job_name: string;
      state: string;
      scheduled_time: Date;
      finished_time: Date | null;
      total: string;
    }> = await this.dataSource.query(
      `SELECT e.id, e.job_id, e.job_name, e.state, e.scheduled_time, e.finished_time, count(*) OVER () AS total
         FROM executions e
        WHERE e.scheduled_time >= $1 AND e.state IN ('failed', 'timeout') ${filter}
        ORDER BY e.scheduled_time DESC, e.id DESC LIMIT $${params.length}`,
      params,
    );
    return {
      executions: rows.map((row) => ({
        execution_id: row.id,
        job: { job_id: row.job_id, name: row.job_name },
        state: row.state,
        scheduled_time: row.scheduled_time.toISOString(),
        finished_time: iso(row.finished_time),
      })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }

  private async upcoming(scope: OwnerScope, now: Date): Promise<DashboardUpcomingResponse> {
    const params: unknown[] = [new Date(now.getTime() + DAY_MS)];
    const filter = ownerFilter('j', scope, params);
    params.push(DASHBOARD_LIST_LIMIT);
    // A fire due a moment ago and not yet claimed is still "next": no lower bound but the job being due at all.
    const rows: Array<{ id: string; name: string; next_run_time: Date; total: string }> = await this.dataSource.query(
      `SELECT j.id, j.name, j.next_run_time, count(*) OVER () AS total
         FROM jobs j
        WHERE j.next_run_time <= $1 AND NOT j.paused AND j.suspended_reason IS NULL ${filter}
        ORDER BY j.next_run_time, j.id LIMIT $${params.length}`,
      params,
    );
    return {
      jobs: rows.map((row) => ({ job_id: row.id, name: row.name, next_run_time: row.next_run_time.toISOString() })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }

  private async failingJobs(scope: OwnerScope): Promise<DashboardFailingJobsResponse> {
    const params: unknown[] = [];
    const filter = ownerFilter('j', scope, params);
    params.push(DASHBOARD_LIST_LIMIT);
    const rows: Array<{
      id: string;
      name: string;
      execution_id: string;
      state: string;
      scheduled_time: Date;
      total: string;
    }> = await this.dataSource.query(
      `SELECT j.id, j.name, last.id AS execution_id, last.state, last.scheduled_time, count(*) OVER () AS total
         FROM jobs j
        CROSS JOIN LATERAL (
          SELECT x.id, x.state, x.scheduled_time FROM executions x
           WHERE x.job_id = j.id AND x.state IN ('succeeded', 'failed', 'timeout', 'stopped')
           ORDER BY x.scheduled_time DESC, x.id DESC LIMIT 1) last
        WHERE last.state IN ('failed', 'timeout') ${filter}
        ORDER BY last.scheduled_time DESC, j.id LIMIT $${params.length}`,
      params,
    );
    return {
      jobs: rows.map((row) => ({
        job_id: row.id,
        name: row.name,
        execution_id: row.execution_id,
        state: row.state,
        scheduled_time: row.scheduled_time.toISOString(),
      })),
      total: rows.length > 0 ? Number(rows[0].total) : 0,
    };
  }
}
