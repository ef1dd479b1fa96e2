import { CronSchedule, type CronFields, ScheduleError } from './cron-schedule.js';

// A job's schedule, whatever its trigger: the nominal fire times the claim key, the misfire planner,
// the timeline's "following" fire and the preview all read, through one interface.
// - cron: the cron fields in the job's zone (CronSchedule), bounded by start_date/end_date;
// - interval: the grid `start_date + k × interval_seconds`, k ≥ 1, up to end_date;
// - date: run_date, once.

export const TRIGGERS = ['cron', 'interval', 'date'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Longest interval: one year (API.md). */
export const MAX_INTERVAL_SECONDS = 31_536_000;
/** Longest jitter: one hour (API.md). */
export const MAX_JITTER_SECONDS = 3_600;

export interface Schedule {
  readonly trigger: Trigger;
  /** The first fire strictly after `after`, or null when no fire follows. */
  nextAfter(after: Date): Date | null;
  /** Fires in (after, until], oldest first, at most `limit` of them. */
  firesBetween(after: Date, until: Date, limit: number): Date[];
}

/** A job's schedule fields as stored (a job record has them). */
export interface ScheduleSpec {
  trigger: Trigger;
  second: string;
  minute: string;
  hour: string;
  day: string;
  month: string;
  dayOfWeek: string;
  timezone: string;
  intervalSeconds: number | null;
  runDate: Date | null;
  startDate: Date | null;
  endDate: Date | null;
}

function firesBetween(schedule: Pick<Schedule, 'nextAfter'>, after: Date, until: Date, limit: number): Date[] {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
  const fires: Date[] = [];
  let cursor = after;
  while (fires.length < limit) {
    const next = schedule.nextAfter(cursor);
    if (next === null || next.getTime() > until.getTime()) break;
    fires.push(next);
    cursor = next;
  }
  return fires;
}

/** Every `intervalSeconds` from `start` (exclusive), up to `end` (inclusive). Pure arithmetic: O(1) a fire. */
export class IntervalSchedule implements Schedule {
  readonly trigger = 'interval';
  private readonly stepMs: number;

  constructor(
    readonly start: Date,
    readonly intervalSeconds: number,
    readonly end: Date | null = null,
  ) {
    if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1) {
      throw new RangeError('intervalSeconds must be a positive integer');
    }
    this.stepMs = intervalSeconds * 1000;
  }

  nextAfter(after: Date): Date | null {
    const startMs = this.start.getTime();
    const k = after.getTime() < startMs ? 1 : Math.floor((after.getTime() - startMs) / this.stepMs) + 1;
    const next = startMs + k * this.stepMs;
    if (this.end !== null && next > this.end.getTime()) return null;
    return new Date(next);
  }

  firesBetween(after: Date, until: Date, limit: number): Date[] {
    return firesBetween(this, after, until, limit);
  }
}

/** Once, at `runDate`. */
export class DateSchedule implements Schedule {
  readonly trigger = 'date';

  constructor(readonly runDate: Date) {}

  nextAfter(after: Date): Date | null {
    return this.runDate.getTime() > after.getTime() ? new Date(this.runDate.getTime()) : null;
  }

  firesBetween(after: Date, until: Date, limit: number): Date[] {
    return firesBetween(this, after, until, limit);
  }
}

/** A cron schedule's fires not before `start` and not after `end`. */
export class BoundedCronSchedule implements Schedule {
  readonly trigger = 'cron';

  constructor(
    readonly cron: CronSchedule,
    readonly start: Date | null,
    readonly end: Date | null,
  ) {}

  nextAfter(after: Date): Date | null {
    const from =
      this.start !== null && after.getTime() < this.start.getTime() ? new Date(this.start.getTime() - 1) : after;
    const next = this.cron.nextAfter(from);
    if (next === null || (this.end !== null && next.getTime() > this.end.getTime())) return null;
    return next;
  }

  firesBetween(after: Date, until: Date, limit: number): Date[] {
    if (this.start === null && this.end === null) return this.cron.firesBetween(after, until, limit);
    return firesBetween(this, after, until, limit);
  }
}

export const cronFieldsOfSpec = (spec: ScheduleSpec): CronFields => ({
  second: spec.second,
  minute: spec.minute,
  hour: spec.hour,
  day: spec.day,
  month: spec.month,
  day_of_week: spec.dayOfWeek,
});

/**
 * The one factory: a job's schedule from its stored fields. `validate` (saving a job, the preview)
 * also proves a cron expression fires at all; stored jobs skip that search.
 * @throws ScheduleError naming the field when the fields do not make a schedule.
 */
export function scheduleOf(spec: ScheduleSpec, options: { validate?: boolean } = {}): Schedule {
  switch (spec.trigger) {
    case 'cron': {
      const fields = cronFieldsOfSpec(spec);
      const cron = options.validate
        ? CronSchedule.create(fields, spec.timezone)
        : CronSchedule.fromStored(fields, spec.timezone);
      // Unbounded: the CronSchedule itself (no wrapper on the hot path of every cron job).
      if (spec.startDate === null && spec.endDate === null) return cronAsSchedule(cron);
      return new BoundedCronSchedule(cron, spec.startDate, spec.endDate);
    }
    case 'interval':
      if (spec.intervalSeconds === null || spec.startDate === null) {
        throw new ScheduleError([
          { field: 'interval_seconds', message: 'interval_seconds is required for an interval trigger' },
        ]);
      }
      return new IntervalSchedule(spec.startDate, spec.intervalSeconds, spec.endDate);
    case 'date':
      if (spec.runDate === null) {
        throw new ScheduleError([{ field: 'run_date', message: 'run_date is required for a date trigger' }]);
      }
      return new DateSchedule(spec.runDate);
    default:
      throw new ScheduleError([{ field: 'trigger', message: `trigger must be one of: ${TRIGGERS.join(', ')}` }]);
  }
}

/** The cron expression behind a schedule (for a CronJob), or null for interval and date triggers. */
export function cronOf(schedule: Schedule): CronSchedule | null {
  if (schedule instanceof CronSchedule) return schedule;
  if (schedule instanceof BoundedCronSchedule) return schedule.cron;
  return null;
}

/** A CronSchedule is a Schedule as it is (its own nextAfter/firesBetween). */
function cronAsSchedule(cron: CronSchedule): Schedule {
  return cron;
}
