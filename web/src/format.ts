import cronstrue from 'cronstrue';
import type { Execution, Job } from './api/client';

/** A time in the browser's zone, e.g. `06 Dec 2026, 21:04:05`; null as a dash. */
export function localTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    day: '2-digit',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/**
 * A local time that may break onto two lines only between its date and its time of day: every other
 * space becomes a no-break space ("Dec 07, 2026,\u00a0…" / "01:36:58\u00a0AM"). Without a ", " it stays whole.
 */
export function breakBetweenDateAndTime(text: string): string {
  const at = text.lastIndexOf(', ');
  const whole = (part: string) => part.replace(/ /g, '\u00a0');
  if (at < 0) return whole(text);
  return `${whole(text.slice(0, at + 1))} ${whole(text.slice(at + 2))}`;
}

/** The same instant in UTC (shown on hover). */
export function utcTime(iso: string | null | undefined): string {
  return iso ? `${new Date(iso).toISOString().replace('T', ' ').replace('.000Z', '')} UTC` : '';
}

/** The trigger fields of a job (optional: a cron schedule may be given without them). */
type TriggerFields = Partial<Pick<Job, 'trigger' | 'interval_seconds' | 'run_date' | 'start_date' | 'end_date'>>;

/** A time in a zone as people write it, `2026-12-08 09:00` (seconds only when there are any). */
export function zonedTime(iso: string, timezone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(iso));
  } catch {
    return iso;
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((entry) => entry.type === type)?.value ?? '';
  const seconds = part('second') === '00' ? '' : `:${part('second')}`;
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}${seconds}`;
}

/** An interval in words: `every 2 minutes`, `every hour`, `every 90 seconds`. */
export function intervalInWords(seconds: number): string {
  for (const [size, unit] of [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ] as const) {
    if (seconds % size === 0) {
      const count = seconds / size;
      return count === 1 ? `every ${unit}` : `every ${count} ${unit}s`;
    }
  }
  return `every ${seconds} seconds`;
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The job's schedule in words, in its time zone: "Every 2 seconds (UTC)" (cron, by cronstrue; the raw
 * fields when it cannot say it), "Every 2 minutes (UTC)" (interval), "Once at 2026-12-08 09:00 (UTC)"
 * (date); start and end dates are said after it ("from …", "until …").
 */
export function scheduleInWords(
  job: Pick<Job, 'second' | 'minute' | 'hour' | 'day' | 'month' | 'day_of_week' | 'timezone'> & TriggerFields,
): string {
  const zone = job.timezone;
  let words: string;
  if (job.trigger === 'date') {
    return job.run_date ? `Once at ${zonedTime(job.run_date, zone)} (${zone})` : `Once (${zone})`;
  } else if (job.trigger === 'interval') {
    words = job.interval_seconds ? capitalised(intervalInWords(job.interval_seconds)) : 'Interval';
  } else {
    const expression = [job.second, job.minute, job.hour, job.day, job.month, job.day_of_week].join(' ');
    try {
      words = cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false });
    } catch {
      words = expression;
    }
  }
  const bounds = [
    job.start_date ? `from ${zonedTime(job.start_date, zone)}` : '',
    job.end_date ? `until ${zonedTime(job.end_date, zone)}` : '',
  ].filter(Boolean);
  return bounds.length > 0 ? `${words}, ${bounds.join(' ')} (${zone})` : `${words} (${zone})`;
}

/** A job's retry settings in words: "none", "2, after 30 s doubling up to 1 h", "3, every 10 s". */
export function retriesInWords(
  job: Pick<Job, 'retries' | 'retry_delay_seconds' | 'retry_backoff' | 'retry_delay_max_seconds'>,
): string {
  if (job.retries === 0) return 'none';
  if (!job.retry_backoff) return `${job.retries}, each ${seconds(job.retry_delay_seconds)} after the failure`;
  return `${job.retries}, after about ${seconds(job.retry_delay_seconds)}, doubling up to ${seconds(job.retry_delay_max_seconds)}`;
}

/** Whole seconds as `45 s`, `2 min`, `1 h 30 min`. */
function seconds(total: number): string {
  if (total < 60 || total % 60 !== 0) return `${total} s`;
  if (total < 3600 || total % 3600 !== 0) {
    const hours = Math.floor(total / 3600);
    const minutes = (total % 3600) / 60;
    return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
  }
  return `${total / 3600} h`;
}

/**
 * What started a run, in words: `cron`, `manual`, or for a retry `retry, attempt 2` (`of 3` when the
 * number of attempts is known).
 */
export function triggerInWords(execution: Pick<Execution, 'trigger' | 'attempt'>, attempts?: number): string {
  if (execution.attempt <= 1) return execution.trigger;
  return `${execution.trigger}, attempt ${execution.attempt}${attempts ? ` of ${attempts}` : ''}`;
}

/** Milliseconds as `1.2 s`, `340 ms`, `2 min 5 s`. */
export function duration(startIso: string | null, endIso: string | null): string {
  if (!startIso || !endIso) return '—';
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The colour of an execution state. */
export const STATE_COLOURS: Record<string, string> = {
  succeeded: 'teal',
  running: 'blue',
  scheduled: 'gray',
  failed: 'red',
  timeout: 'orange',
  stopped: 'grape',
  'scheduled error': 'red',
  skipped: 'yellow',
  missed: 'yellow',
};

/** A script's language as people write it. */
export function languageName(language: 'javascript' | 'python'): string {
  return language === 'python' ? 'Python' : 'JavaScript';
}
