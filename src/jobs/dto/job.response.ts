import { ApiProperty } from '@nestjs/swagger';
import type { Job } from '../entities/job.entity.js';

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

  @ApiProperty({ type: OwnerResponse })
  owner!: OwnerResponse;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ format: 'date-time' })
  updated_time!: string;
}

export class JobListResponse {
  @ApiProperty({ type: [JobResponse] })
  jobs!: JobResponse[];

  @ApiProperty()
  total!: number;
}

export class DeletedJobResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;
}

/** A job as the API shows it; `owner` must be loaded. */
export function toJobResponse(job: Job): JobResponse {
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
    owner: { id: job.ownerId, username: job.owner?.username ?? '' },
    created_time: job.createdTime.toISOString(),
    updated_time: job.updatedTime.toISOString(),
  };
}
