import { ApiProperty } from '@nestjs/swagger';
import { EXECUTION_STATES, type ExecutionState } from '../../database/entities/execution.entity.js';
import type { JobRecord } from '../../database/repositories/job.columns.js';
import { type Trigger, TRIGGERS } from '../../scheduler/schedule.js';

export class OwnerResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;
}

export class JobResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: 'SampleJob' })
  job_class_string!: string;

  @ApiProperty({ type: 'array', items: {}, example: ['hello'] })
  pub_args!: unknown[];

  @ApiProperty({ example: '*' })
  month!: string;

  @ApiProperty({ example: '*' })
  day_of_week!: string;

  @ApiProperty({ example: '*' })
  day!: string;

  @ApiProperty({ example: '*' })
  hour!: string;

  @ApiProperty({ example: '*/5' })
  minute!: string;

  @ApiProperty({ example: '0' })
  second!: string;

  @ApiProperty({ example: 'UTC' })
  timezone!: string;

  @ApiProperty()
  paused!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  next_run_time!: string | null;

  @ApiProperty()
  max_instances!: number;

  @ApiProperty()
  timeout_seconds!: number;

  @ApiProperty()
  misfire_grace_seconds!: number;

  @ApiProperty()
  coalesce!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Null while the job may run. Otherwise why nothing of it runs: its owner is disabled, or no longer holds the ' +
      'permission its job class requires (e.g. `the owner alice no longer holds code_execute`). The first fire after ' +
      'that is recorded `skipped` with this reason, later fires leave no execution (next_run_time still moves on), and ' +
      'run now answers 403. Cleared as soon as the owner is enabled again or regains the permission.',
  })
  suspended_reason!: string | null;

  @ApiProperty({ type: OwnerResponse })
  owner!: OwnerResponse;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ format: 'date-time' })
  updated_time!: string;

  @ApiProperty({ enum: TRIGGERS, example: 'cron' })
  trigger!: Trigger;

  @ApiProperty({ type: Number, nullable: true, example: null, description: 'interval triggers: seconds between fires' })
  interval_seconds!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'date triggers: the one fire' })
  run_date!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'no fire before it (cron, interval); where an interval grid starts',
  })
  start_date!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'no fire after it (cron, interval)' })
  end_date!: string | null;

  @ApiProperty({ example: 0, description: "each fire's start is delayed by a random 0..jitter_seconds" })
  jitter_seconds!: number;

  @ApiProperty({ example: 0, description: 'extra attempts after a run ends failed or timeout' })
  retries!: number;

  @ApiProperty({ example: 30, description: "the first retry's delay after the failed attempt's finish" })
  retry_delay_seconds!: number;

  @ApiProperty({ example: true, description: 'the delay doubles with each retry, taken at random in [d/2, d]' })
  retry_backoff!: boolean;

  @ApiProperty({ example: 3600, description: 'the longest retry delay' })
  retry_delay_max_seconds!: number;
}

export class LastExecutionResponse {
  @ApiProperty({ format: 'uuid' })
  execution_id!: string;

  @ApiProperty({ enum: EXECUTION_STATES })
  state!: ExecutionState;

  @ApiProperty({ format: 'date-time' })
  scheduled_time!: string;
}

/** A job of a list: the job object plus its latest execution (read in the same statement). */
export class JobListItemResponse extends JobResponse {
  @ApiProperty({
    type: LastExecutionResponse,
    nullable: true,
    description: 'The latest execution of the job (by scheduled_time), or null when it never ran',
  })
  last_execution!: LastExecutionResponse | null;
}

export class JobOwnerResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty({ description: 'how many of the jobs you may see this user owns' })
  jobs!: number;
}

export class JobOwnersResponse {
  @ApiProperty({ type: [JobOwnerResponse], description: 'owners of the jobs you may see, by username' })
  owners!: JobOwnerResponse[];
}

export class JobListResponse {
  @ApiProperty({ type: [JobListItemResponse] })
  jobs!: JobListItemResponse[];

  @ApiProperty()
  total!: number;
}

export class DeletedJobResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;
}

export class SchedulePreviewResponse {
  @ApiProperty({
    type: [String],
    format: 'date-time',
    example: ['2026-11-24T02:00:00.000Z', '2026-11-25T02:00:00.000Z'],
    description: 'the next 5 fire times, oldest first (fewer only if the scheduler finds no more within 8 years)',
  })
  next_run_times!: string[];
}

/** A job as the API shows it, with its owner's name. */
export function toJobResponse(job: JobRecord & { owner?: { username: string } }): JobResponse {
  return {
    job_id: job.id,
    name: job.name,
    job_class_string: job.jobClassString,
    pub_args: job.pubArgs,
    month: job.month,
    day_of_week: job.dayOfWeek,
    day: job.day,
    hour: job.hour,
    minute: job.minute,
    second: job.second,
    timezone: job.timezone,
    paused: job.paused,
    next_run_time: job.nextRunTime ? job.nextRunTime.toISOString() : null,
    max_instances: job.maxInstances,
    timeout_seconds: job.timeoutSeconds,
    misfire_grace_seconds: job.misfireGraceSeconds,
    coalesce: job.coalesce,
    suspended_reason: job.suspendedReason,
    owner: { id: job.ownerId, username: job.owner?.username ?? '' },
    created_time: job.createdTime.toISOString(),
    updated_time: job.updatedTime.toISOString(),
    trigger: job.trigger,
    interval_seconds: job.intervalSeconds,
    run_date: job.runDate ? job.runDate.toISOString() : null,
    start_date: job.startDate ? job.startDate.toISOString() : null,
    end_date: job.endDate ? job.endDate.toISOString() : null,
    jitter_seconds: job.jitterSeconds,
    retries: job.retries,
    retry_delay_seconds: job.retryDelaySeconds,
    retry_backoff: job.retryBackoff,
    retry_delay_max_seconds: job.retryDelayMaxSeconds,
  };
}
