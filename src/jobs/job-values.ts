import { JOB_COLUMNS, type JobField, type JobRecord } from '../database/repositories/job.columns.js';
import type { JobWithOwner } from '../database/repositories/jobs.repository.js';
import { ScheduleError } from '../scheduler/cron-schedule.js';
import { type Schedule, scheduleOf } from '../scheduler/schedule.js';
import { type JobResponse, toJobResponse } from './dto/job.response.js';
import { type GivenTriggerFields, normaliseTrigger, type TriggerValues, triggerProblems } from './job-trigger.js';

/**
 * A job's definition in the API's terms, for validation and change descriptions: the API's view of a
 * job without its id, owner, next run, suspension and timestamps.
 */
export type JobValues = Omit<
  JobResponse,
  'job_id' | 'next_run_time' | 'suspended_reason' | 'owner' | 'created_time' | 'updated_time'
>;

/** Columns of a job that are not part of its definition (identity, state, ownership, timestamps). */
const NOT_DEFINITION = ['id', 'next_run_time', 'suspended_reason', 'owner_id', 'created_time', 'updated_time'] as const;

type JobColumn = (typeof JOB_COLUMNS)[JobField];
type DefinitionColumn = Exclude<JobColumn, (typeof NOT_DEFINITION)[number]>;

/** The job record's property of each column (the inverse of {@link JOB_COLUMNS}). */
type FieldOfColumn = { [F in JobField as (typeof JOB_COLUMNS)[F]]: F };
const FIELD_OF_COLUMN = Object.fromEntries(
  Object.entries(JOB_COLUMNS).map(([field, column]) => [column, field]),
) as FieldOfColumn;

// The API names a job's definition fields as their columns: the compiler holds the two to each other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const DEFINITION_MATCHES_COLUMNS: Same<keyof JobValues, DefinitionColumn> = true;
void DEFINITION_MATCHES_COLUMNS;

/**
 * The definition fields (API names, which are their column names), in the column map's order: the
 * fields a PUT may change, in the order its changes are described in the audit log.
 */
export const DEFINITION_FIELDS = Object.values(JOB_COLUMNS).filter(
  (column): column is DefinitionColumn => !(NOT_DEFINITION as readonly string[]).includes(column),
);

/** The columns of a job that hold its definition. */
export type JobRecordValues = Pick<JobRecord, FieldOfColumn[DefinitionColumn]>;

/** Definition fields stored as timestamps (ISO strings in the API). */
const DATE_FIELDS = new Set<keyof JobValues>(['run_date', 'start_date', 'end_date']);

/** The fields a change of which moves the next fire. */
export const SCHEDULE_FIELDS: ReadonlyArray<keyof JobValues> = [
  'month',
  'day_of_week',
  'day',
  'hour',
  'minute',
  'second',
  'timezone',
  'trigger',
  'interval_seconds',
  'run_date',
  'start_date',
  'end_date',
];

export type ScheduleValues = TriggerValues & Pick<JobValues, 'timezone'>;

const dateOrNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/** The definition part of the API's view of a job. */
export function valuesOf(job: JobWithOwner): JobValues {
  const {
    job_id: _id,
    next_run_time: _next,
    suspended_reason: _suspended,
    owner: _owner,
    created_time: _created,
    updated_time: _updated,
    ...values
  } = toJobResponse(job);
  return values;
}

/** The columns of a job holding `values`. */
export function recordOf(values: JobValues): JobRecordValues {
  const record: Record<string, unknown> = {};
  for (const field of DEFINITION_FIELDS) {
    const value = values[field];
    record[FIELD_OF_COLUMN[field]] = DATE_FIELDS.has(field) ? dateOrNull(value as string | null) : value;
  }
  return record as JobRecordValues;
}

/**
 * The scheduler's schedule, or the 400 messages naming every bad field (or that it never fires):
 * `values` as they will be stored, `given` the request's fields (for the trigger rules).
 */
export function checkSchedule(values: ScheduleValues, given: GivenTriggerFields): Schedule | string[] {
  const problems = triggerProblems(values, given);
  if (problems.length > 0) return problems;
  const stored = normaliseTrigger(values);
  try {
    return scheduleOf(
      {
        trigger: stored.trigger,
        second: stored.second,
        minute: stored.minute,
        hour: stored.hour,
        day: stored.day,
        month: stored.month,
        dayOfWeek: stored.day_of_week,
        timezone: stored.timezone,
        intervalSeconds: stored.interval_seconds,
        runDate: dateOrNull(stored.run_date),
        startDate: dateOrNull(stored.start_date),
        endDate: dateOrNull(stored.end_date),
      },
      { validate: true },
    );
  } catch (error) {
    if (error instanceof ScheduleError) return error.problems.map((problem) => problem.message);
    throw error;
  }
}
