import type { Job, Schemas } from './api/client';

type Argument = Schemas['JobArgumentResponse'];

/** An argument's value as text in the form: strings as they are, everything else as JSON. */
export function asText(value: unknown, type: Argument['type']): string {
  if (value === undefined) return '';
  return type === 'string' && typeof value === 'string' ? value : JSON.stringify(value);
}

/** The form's text of an argument back to its JSON value, or a message saying why it is not one. */
export function parseArgument(text: string, type: Argument['type']): { value: unknown } | { problem: string } {
  if (type === 'string') return { value: text };
  if (type === 'number' || type === 'integer') {
    const number = Number(text);
    if (text.trim() === '' || Number.isNaN(number)) return { problem: 'must be a number' };
    if (type === 'integer' && !Number.isInteger(number)) return { problem: 'must be a whole number' };
    return { value: number };
  }
  if (type === 'boolean') return { value: text === 'true' };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { problem: 'must be JSON (a string needs quotes)' };
  }
}

export const isOptional = (argument: Argument): boolean => /\(optional/.test(argument.description);
export const isVariadic = (argument: Argument): boolean => /any number/.test(argument.description);
export const argumentName = (argument: Argument): string => argument.description.split(/[\s:(]/)[0];

/** The field a 400 message names (`hour: ...`, `pub_args[1] (...) ...`, `name must ...`), if any. */
export function fieldOf(message: string): string | null {
  const match = /^(pub_args\[\d+\]|[a-z_]+\b)/.exec(message);
  return match ? match[1] : null;
}

export type Trigger = 'cron' | 'interval' | 'date';

const pad = (value: number): string => String(value).padStart(2, '0');

/** An ISO instant as the value of a `datetime-local` input (the browser's zone, to the second); '' for null. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** A `datetime-local` value (the browser's zone) as an ISO instant; null when empty or not a date. */
export function fromLocalInput(text: string): string | null {
  if (text.trim() === '') return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The trigger part of a job form, as typed. */
export interface TriggerForm {
  trigger: Trigger;
  intervalSeconds: number | string;
  runDate: string;
  startDate: string;
  endDate: string;
}

/**
 * The body fields of a trigger: only the fields of that trigger type (the server refuses the others),
 * start/end as null when empty (so an edit can clear them). `previousRunDate`: a date job's stored
 * run_date, sent again only when changed (a past run_date of a job that fired is refused when given).
 */
export function triggerBody(form: TriggerForm, previousRunDate?: string | null): Record<string, unknown> {
  if (form.trigger === 'date') {
    const runDate = fromLocalInput(form.runDate);
    const unchanged = previousRunDate !== undefined && previousRunDate !== null && runDate === previousRunDate;
    return { trigger: 'date', ...(unchanged ? {} : { run_date: runDate }) };
  }
  const bounds = { start_date: fromLocalInput(form.startDate), end_date: fromLocalInput(form.endDate) };
  if (form.trigger === 'interval') {
    const seconds = form.intervalSeconds === '' ? null : Number(form.intervalSeconds);
    return { trigger: 'interval', interval_seconds: seconds, ...bounds };
  }
  return { trigger: 'cron', ...bounds };
}

/** The preview body of a saved job: its schedule fields by trigger type (as the server stores them). */
export function previewBodyOf(
  job: Pick<
    Job,
    | 'second'
    | 'minute'
    | 'hour'
    | 'day'
    | 'month'
    | 'day_of_week'
    | 'timezone'
    | 'trigger'
    | 'interval_seconds'
    | 'run_date'
    | 'start_date'
    | 'end_date'
  >,
): Record<string, unknown> {
  const { timezone, start_date, end_date } = job;
  if (job.trigger === 'date') return { trigger: 'date', run_date: job.run_date, timezone };
  if (job.trigger === 'interval') {
    return { trigger: 'interval', interval_seconds: job.interval_seconds, start_date, end_date, timezone };
  }
  const { second, minute, hour, day, month, day_of_week } = job;
  return { second, minute, hour, day, month, day_of_week, timezone, start_date, end_date };
}
