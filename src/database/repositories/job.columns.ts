import type { Job } from '../entities/job.entity.js';

/** A job's stored fields (the entity without its relation). */
export type JobRecord = Omit<Job, 'owner'>;

/**
 * The one declaration of a job's columns: entity property → column name. The list SQL, the row
 * type of raw reads, the row → record mapping and the scheduler's view all derive from it; a new
 * column is one line here (plus the entity and the API's DTO).
 */
export const JOB_COLUMNS = {
  id: 'id',
  name: 'name',
  jobClassString: 'job_class_string',
  pubArgs: 'pub_args',
  month: 'month',
  dayOfWeek: 'day_of_week',
  day: 'day',
  hour: 'hour',
  minute: 'minute',
  second: 'second',
  timezone: 'timezone',
  paused: 'paused',
  nextRunTime: 'next_run_time',
  maxInstances: 'max_instances',
  timeoutSeconds: 'timeout_seconds',
  misfireGraceSeconds: 'misfire_grace_seconds',
  coalesce: 'coalesce',
  suspendedReason: 'suspended_reason',
  ownerId: 'owner_id',
  createdTime: 'created_time',
  updatedTime: 'updated_time',
  trigger: 'trigger',
  intervalSeconds: 'interval_seconds',
  runDate: 'run_date',
  startDate: 'start_date',
  endDate: 'end_date',
  jitterSeconds: 'jitter_seconds',
  retries: 'retries',
  retryDelaySeconds: 'retry_delay_seconds',
  retryBackoff: 'retry_backoff',
  retryDelayMaxSeconds: 'retry_delay_max_seconds',
} as const satisfies { [K in keyof JobRecord]: string };

export type JobField = keyof typeof JOB_COLUMNS;

/** A raw row (pg's own types: timestamptz → Date, jsonb parsed) of the given fields. */
export type JobRow<F extends JobField = JobField> = { [K in F as (typeof JOB_COLUMNS)[K]]: JobRecord[K] };

/** What registering a job needs of it (a job record is one). */
export const SCHEDULABLE_FIELDS = [
  'id',
  'name',
  'second',
  'minute',
  'hour',
  'day',
  'month',
  'dayOfWeek',
  'timezone',
  'paused',
  'nextRunTime',
  'misfireGraceSeconds',
  'coalesce',
  'updatedTime',
  'trigger',
  'intervalSeconds',
  'runDate',
  'startDate',
  'endDate',
  'jitterSeconds',
] as const satisfies readonly JobField[];

export type SchedulableField = (typeof SCHEDULABLE_FIELDS)[number];

export const ALL_JOB_FIELDS = Object.keys(JOB_COLUMNS) as JobField[];

/** `alias.column, ...` of `fields`, in their order. */
export function jobColumnsSql(fields: readonly JobField[], alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return fields.map((field) => `${prefix}${JOB_COLUMNS[field]}`).join(', ');
}

/**
 * A whole job from a raw row with every column, written out rather than looped over {@link JOB_COLUMNS}:
 * an object literal was about 4× cheaper than a dynamically built one when the job list mapped its rows
 * with it (measured; the list now has PostgreSQL write its JSON). The compiler keeps it complete: it
 * must return every field of {@link JobRecord} from a row typed by the column map.
 */
export function fullJobOfRow(row: JobRow): JobRecord {
  return {
    id: row.id,
    name: row.name,
    jobClassString: row.job_class_string,
    pubArgs: row.pub_args,
    month: row.month,
    dayOfWeek: row.day_of_week,
    day: row.day,
    hour: row.hour,
    minute: row.minute,
    second: row.second,
    timezone: row.timezone,
    paused: row.paused,
    nextRunTime: row.next_run_time,
    maxInstances: row.max_instances,
    timeoutSeconds: row.timeout_seconds,
    misfireGraceSeconds: row.misfire_grace_seconds,
    coalesce: row.coalesce,
    suspendedReason: row.suspended_reason,
    ownerId: row.owner_id,
    createdTime: row.created_time,
    updatedTime: row.updated_time,
    trigger: row.trigger,
    intervalSeconds: row.interval_seconds,
    runDate: row.run_date,
    startDate: row.start_date,
    endDate: row.end_date,
    jitterSeconds: row.jitter_seconds,
    retries: row.retries,
    retryDelaySeconds: row.retry_delay_seconds,
    retryBackoff: row.retry_backoff,
    retryDelayMaxSeconds: row.retry_delay_max_seconds,
  };
}

/** The record of a raw row of `fields` (renaming only: pg already gives each column its JS type). */
export function jobOfRow<F extends JobField>(row: JobRow<F>, fields: readonly F[]): Pick<JobRecord, F> {
  const source = row as unknown as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (const field of fields) record[field] = source[JOB_COLUMNS[field]];
  return record as Pick<JobRecord, F>;
}
