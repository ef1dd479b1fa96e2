import { CRON_FIELDS, cronFieldsWithDefaults } from '../scheduler/cron-schedule.js';
import type { Trigger } from '../scheduler/schedule.js';

/** The trigger part of a job in the API's terms (timestamps as ISO strings). */
export interface TriggerValues {
  trigger: Trigger;
  month: string;
  day_of_week: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  interval_seconds: number | null;
  run_date: string | null;
  start_date: string | null;
  end_date: string | null;
}

/** What a request gave of them (absent or null: not given). */
export type GivenTriggerFields = Partial<Record<keyof TriggerValues, unknown>>;

const CRON_DEFAULTS = cronFieldsWithDefaults({});

const given = (dto: GivenTriggerFields, field: keyof TriggerValues): boolean =>
  dto[field] !== undefined && dto[field] !== null;

/** An ISO date-time as the API writes it (`2026-12-08T09:00:00.000Z`), or null. */
export function isoOrNull(value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : new Date(value).toISOString();
}

/** Now, to the whole second: the default start of an interval grid. */
export function wholeSecondNow(now: Date = new Date()): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
}

/**
 * The 400 messages for trigger fields that do not fit the trigger, each naming its field: fields
 * of another trigger type given (cron fields only when they differ from their defaults, so an
 * exported interval job imports again), a missing interval_seconds or run_date, a run_date that is
 * not in the future (only when given: a date job that fired keeps its past run_date), an end_date
 * not after start_date.
 */
export function triggerProblems(values: TriggerValues, dto: GivenTriggerFields, now: Date = new Date()): string[] {
  const problems: string[] = [];
  const trigger = values.trigger;
  const of = `(trigger is "${trigger}")`;
  if (trigger !== 'cron') {
    for (const field of CRON_FIELDS) {
      if (given(dto, field) && dto[field] !== CRON_DEFAULTS[field]) {
        problems.push(`${field} is only for cron triggers ${of}`);
      }
    }
  }
  if (trigger !== 'interval' && given(dto, 'interval_seconds')) {
    problems.push(`interval_seconds is only for interval triggers ${of}`);
  }
  if (trigger !== 'date' && given(dto, 'run_date')) problems.push(`run_date is only for date triggers ${of}`);
  if (trigger === 'date') {
    for (const field of ['start_date', 'end_date'] as const) {
      if (given(dto, field)) problems.push(`${field} is only for cron and interval triggers ${of}`);
    }
  }
  if (trigger === 'interval' && values.interval_seconds === null) {
    problems.push('interval_seconds is required for an interval trigger');
  }
  if (trigger === 'date') {
    if (values.run_date === null) problems.push('run_date is required for a date trigger');
    else if (given(dto, 'run_date') && new Date(values.run_date).getTime() <= now.getTime()) {
      problems.push(`run_date ${values.run_date} is not in the future`);
    }
  }
  const start = values.start_date ?? (trigger === 'interval' ? wholeSecondNow(now) : null);
  if (
    trigger !== 'date' &&
    start !== null &&
    values.end_date !== null &&
    new Date(values.end_date).getTime() <= new Date(start).getTime()
  ) {
    problems.push(
      values.start_date === null
        ? `end_date ${values.end_date} must be after start_date (now, ${start})`
        : `end_date ${values.end_date} must be after start_date ${start}`,
    );
  }
  return problems;
}

/**
 * A job's trigger fields made consistent after a create or change: a trigger's foreign fields are
 * cleared (cron fields back to their defaults), and an interval grid without a start starts now.
 */
export function normaliseTrigger<T extends TriggerValues>(values: T, now: Date = new Date()): T {
  const result = { ...values };
  if (result.trigger !== 'cron') Object.assign(result, CRON_DEFAULTS);
  if (result.trigger !== 'interval') result.interval_seconds = null;
  if (result.trigger !== 'date') result.run_date = null;
  if (result.trigger === 'date') {
    result.start_date = null;
    result.end_date = null;
  }
  if (result.trigger === 'interval' && result.start_date === null) result.start_date = wholeSecondNow(now);
  return result;
}
