import { ApiProperty } from '@nestjs/swagger';
import { EXECUTION_STATES } from '../../database/entities/execution.entity.js';

/** How many items each list of the dashboard holds at most (its `total` says how many there are). */
export const DASHBOARD_LIST_LIMIT = 20;

export class DashboardJobRefResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty()
  name!: string;
}

export class DashboardJobsResponse {
  @ApiProperty({ description: 'jobs in scope' })
  total!: number;

  @ApiProperty({ description: 'of which paused' })
  paused!: number;
}

export class DashboardRunningExecutionResponse {
  @ApiProperty({ format: 'uuid' })
  execution_id!: string;

  @ApiProperty({ type: DashboardJobRefResponse })
  job!: DashboardJobRefResponse;

  @ApiProperty({ format: 'date-time' })
  scheduled_time!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  started_time!: string | null;
}

export class DashboardRunningResponse {
  @ApiProperty({
    type: [DashboardRunningExecutionResponse],
    description: `longest running first, at most ${DASHBOARD_LIST_LIMIT}`,
  })
  executions!: DashboardRunningExecutionResponse[];

  @ApiProperty()
  total!: number;
}

export class DashboardFailureResponse {
  @ApiProperty({ format: 'uuid' })
  execution_id!: string;

  @ApiProperty({ type: DashboardJobRefResponse })
  job!: DashboardJobRefResponse;

  @ApiProperty({ enum: ['failed', 'timeout'] })
  state!: string;

  @ApiProperty({ format: 'date-time' })
  scheduled_time!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finished_time!: string | null;
}

export class DashboardFailuresResponse {
  @ApiProperty({ type: [DashboardFailureResponse], description: `newest first, at most ${DASHBOARD_LIST_LIMIT}` })
  executions!: DashboardFailureResponse[];

  @ApiProperty({ description: 'failed and timed-out executions scheduled in the last 24 hours' })
  total!: number;
}

export class DashboardUpcomingItemResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ format: 'date-time' })
  next_run_time!: string;
}

export class DashboardUpcomingResponse {
  @ApiProperty({ type: [DashboardUpcomingItemResponse], description: `soonest first, at most ${DASHBOARD_LIST_LIMIT}` })
  jobs!: DashboardUpcomingItemResponse[];

  @ApiProperty({ description: 'jobs whose next fire is in the coming 24 hours' })
  total!: number;
}

export class DashboardFailingJobResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ format: 'uuid', description: 'the failed last run' })
  execution_id!: string;

  @ApiProperty({ enum: ['failed', 'timeout'] })
  state!: string;

  @ApiProperty({ format: 'date-time' })
  scheduled_time!: string;
}

export class DashboardFailingJobsResponse {
  @ApiProperty({
    type: [DashboardFailingJobResponse],
    description: `most recent failure first, at most ${DASHBOARD_LIST_LIMIT}`,
  })
  jobs!: DashboardFailingJobResponse[];

  @ApiProperty()
  total!: number;
}

/** A count per execution state (every state, 0 when none). */
export class DashboardStateCountsResponse {
  @ApiProperty() scheduled!: number;
  @ApiProperty() running!: number;
  @ApiProperty() succeeded!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() timeout!: number;
  @ApiProperty() stopped!: number;
  @ApiProperty({ name: 'scheduled error' }) 'scheduled error'!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty() missed!: number;
}

export class DashboardResponse {
  @ApiProperty({ format: 'date-time', description: 'when this summary was taken' })
  generated_time!: string;

  @ApiProperty({ example: 'UTC', description: "the zone whose midnight starts 'today'" })
  timezone!: string;

  @ApiProperty({ format: 'date-time', description: 'midnight today in `timezone`: runs_today counts from here' })
  today_start!: string;

  @ApiProperty({ description: 'whether the caller holds execution_view: without it the execution parts are null' })
  executions_visible!: boolean;

  @ApiProperty({ type: DashboardJobsResponse })
  jobs!: DashboardJobsResponse;

  @ApiProperty({
    type: DashboardStateCountsResponse,
    nullable: true,
    description: `executions scheduled since today_start, by state (${EXECUTION_STATES.join(', ')})`,
  })
  runs_today!: DashboardStateCountsResponse | null;

  @ApiProperty({ type: DashboardRunningResponse, nullable: true, description: 'executions running now' })
  running!: DashboardRunningResponse | null;

  @ApiProperty({
    type: DashboardFailuresResponse,
    nullable: true,
    description: 'failed and timed-out executions scheduled in the last 24 hours',
  })
  failures_24h!: DashboardFailuresResponse | null;

  @ApiProperty({
    type: DashboardUpcomingResponse,
    description: 'jobs that fire in the coming 24 hours (neither paused nor suspended), by next_run_time',
  })
  upcoming!: DashboardUpcomingResponse;

  @ApiProperty({
    type: DashboardFailingJobsResponse,
    nullable: true,
    description:
      'jobs whose last run failed or timed out: the latest execution by scheduled_time that ran to an outcome (succeeded, failed, timeout, stopped); scheduled, running, skipped and missed ones are passed over',
  })
  failing_jobs!: DashboardFailingJobsResponse | null;
}
