import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { MAX_RETRIES, MAX_RETRY_DELAY_SECONDS } from '../../scheduler/retry-delay.js';
import { MAX_INTERVAL_SECONDS, MAX_JITTER_SECONDS, type Trigger, TRIGGERS } from '../../scheduler/schedule.js';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

/** Cron fields may be sent as numbers (`"hour": 5`); they are kept as the strings cron reads. */
const cronField = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value));

export class CreateJobDto {
  @ApiProperty({ example: 'Sample, every minute', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'SampleJob', description: 'one of GET /api/v1/job-classes' })
  @IsString()
  @IsNotEmpty()
  job_class_string!: string;

  @ApiPropertyOptional({
    type: 'array',
    items: {},
    example: ['Hello from Cronwarden'],
    description: "positional arguments, checked against the class's declared arguments",
  })
  @IsOptional()
  @IsArray()
  pub_args?: unknown[];

  @ApiPropertyOptional({ example: '*', default: '*', description: '1-12 or jan-dec; *, a-b, */n, a,b' })
  @IsOptional()
  @cronField()
  @IsString()
  month?: string;

  @ApiPropertyOptional({
    example: '*',
    default: '*',
    description: 'crontab numbering: 0 and 7 are Sunday (ndscheduler/APScheduler counted Monday as 0); names mon..sun',
  })
  @IsOptional()
  @cronField()
  @IsString()
  day_of_week?: string;

  @ApiPropertyOptional({ example: '*', default: '*', description: 'day of the month, 1-31' })
  @IsOptional()
  @cronField()
  @IsString()
  day?: string;

  @ApiPropertyOptional({ example: '*', default: '*', description: '0-23' })
  @IsOptional()
  @cronField()
  @IsString()
  hour?: string;

  @ApiPropertyOptional({ example: '*', default: '*', description: '0-59' })
  @IsOptional()
  @cronField()
  @IsString()
  minute?: string;

  @ApiPropertyOptional({ example: '0', default: '0', description: '0-59' })
  @IsOptional()
  @cronField()
  @IsString()
  second?: string;

  @ApiPropertyOptional({ example: 'UTC', description: 'IANA zone such as Europe/Berlin; default TIMEZONE (UTC)' })
  @IsOptional()
  @IsString()
  timezone?: string;

  @ApiPropertyOptional({
    default: false,
    example: true,
    description: 'create it paused (it never fires until resumed)',
  })
  @IsOptional()
  @IsBoolean()
  paused?: boolean;

  @ApiPropertyOptional({
    default: 3,
    minimum: 1,
    maximum: 1000,
    description: 'running executions at most (more: skipped)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  max_instances?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 604800, description: 'default JOB_TIMEOUT_SECONDS (3600)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(604800)
  timeout_seconds?: number;

  @ApiPropertyOptional({
    default: 3600,
    minimum: 0,
    maximum: 31536000,
    description: 'how late a missed fire may still run',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(31536000)
  misfire_grace_seconds?: number;

  @ApiPropertyOptional({ default: true, description: 'run missed fires once instead of once each' })
  @IsOptional()
  @IsBoolean()
  coalesce?: boolean;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'admins only: create the job for this user (ignored for others)',
  })
  @IsOptional()
  @IsUUID()
  owner_id?: string;

  @ApiPropertyOptional({
    enum: TRIGGERS,
    default: 'cron',
    description:
      '`cron`: the cron fields; `interval`: every `interval_seconds` from `start_date`; `date`: once, at `run_date`. ' +
      'Fields of another trigger type → 400 naming the field (cron fields may only hold their defaults).',
  })
  @IsOptional()
  @IsIn(TRIGGERS, { message: `trigger must be one of: ${TRIGGERS.join(', ')}` })
  trigger?: Trigger;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_INTERVAL_SECONDS,
    example: 120,
    description: 'interval triggers only (required there): fires at start_date + k × interval_seconds, k ≥ 1',
  })
  @IsOptional()
  @IsInt({ message: 'interval_seconds must be an integer number of seconds' })
  @Min(1, { message: 'interval_seconds must be at least 1' })
  @Max(MAX_INTERVAL_SECONDS, { message: `interval_seconds must be at most ${MAX_INTERVAL_SECONDS} (one year)` })
  interval_seconds?: number | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'date triggers only (required there): the one fire; must be in the future when given',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'run_date must be an ISO 8601 date-time' })
  run_date?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'cron and interval triggers: no fire before it. An interval grid starts here; for interval jobs it defaults to ' +
      'the creation time (whole seconds) and is stored, so the grid survives restarts',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'start_date must be an ISO 8601 date-time' })
  start_date?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'cron and interval triggers: no fire after it; must be after start_date',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'end_date must be an ISO 8601 date-time' })
  end_date?: string | null;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: MAX_JITTER_SECONDS,
    description:
      "each scheduled fire's start is delayed by a random 0..jitter_seconds (scheduled_time stays the nominal " +
      'time, started_time shows the delay); run now is not delayed',
  })
  @IsOptional()
  @IsInt({ message: 'jitter_seconds must be an integer number of seconds' })
  @Min(0, { message: 'jitter_seconds must be at least 0' })
  @Max(MAX_JITTER_SECONDS, { message: `jitter_seconds must be at most ${MAX_JITTER_SECONDS}` })
  jitter_seconds?: number;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: MAX_RETRIES,
    description:
      'extra attempts after a run ends `failed` or `timeout` (never after stopped, skipped or missed runs, nor ' +
      'for a job paused or deleted meanwhile); each is an execution with trigger `retry`',
  })
  @IsOptional()
  @IsInt({ message: 'retries must be an integer' })
  @Min(0, { message: 'retries must be at least 0' })
  @Max(MAX_RETRIES, { message: `retries must be at most ${MAX_RETRIES}` })
  retries?: number;

  @ApiPropertyOptional({
    default: 30,
    minimum: 1,
    maximum: MAX_RETRY_DELAY_SECONDS,
    description: "the first retry's delay after the failed attempt's finished_time",
  })
  @IsOptional()
  @IsInt({ message: 'retry_delay_seconds must be an integer number of seconds' })
  @Min(1, { message: 'retry_delay_seconds must be at least 1' })
  @Max(MAX_RETRY_DELAY_SECONDS, { message: `retry_delay_seconds must be at most ${MAX_RETRY_DELAY_SECONDS}` })
  retry_delay_seconds?: number;

  @ApiPropertyOptional({
    default: true,
    description:
      'the n-th retry waits a random value in [d/2, d], d = min(retry_delay_max_seconds, ' +
      'retry_delay_seconds × 2^(n-1)); without it every retry waits retry_delay_seconds',
  })
  @IsOptional()
  @IsBoolean({ message: 'retry_backoff must be a boolean' })
  retry_backoff?: boolean;

  @ApiPropertyOptional({
    default: 3600,
    minimum: 1,
    maximum: MAX_RETRY_DELAY_SECONDS,
    description: 'the longest delay the backoff reaches',
  })
  @IsOptional()
  @IsInt({ message: 'retry_delay_max_seconds must be an integer number of seconds' })
  @Min(1, { message: 'retry_delay_max_seconds must be at least 1' })
  @Max(MAX_RETRY_DELAY_SECONDS, {
    message: `retry_delay_max_seconds must be at most ${MAX_RETRY_DELAY_SECONDS}`,
  })
  retry_delay_max_seconds?: number;
}

/** Every field optional: only the fields given change (changing `hour` never resets `minute`). */
export class UpdateJobDto extends PartialType(CreateJobDto) {}

/**
 * `POST /api/v1/jobs/preview`: the body of a job, every field optional. Only the schedule is read
 * (`trigger` and its fields, the cron fields and `timezone`, `start_date`/`end_date`, with the
 * defaults of job creation); other job fields are checked as for a job and otherwise ignored, so a
 * job form can be sent as it is.
 */
export class PreviewScheduleDto extends PartialType(CreateJobDto) {}
