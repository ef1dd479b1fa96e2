import cronstrue from 'cronstrue';
import type { Job } from './api/client';

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

/** The job's schedule in words ("Every 2 seconds"), in its time zone; the raw fields when cronstrue cannot say it. */
export function scheduleInWords(
  job: Pick<Job, 'second' | 'minute' | 'hour' | 'day' | 'month' | 'day_of_week' | 'timezone'>,
): string {
  const expression = [job.second, job.minute, job.hour, job.day, job.month, job.day_of_week].join(' ');
  try {
    const words = cronstrue.toString(expression, { use24HourTimeFormat: true, verbose: false });
    return job.timezone === 'UTC' ? `${words} (UTC)` : `${words} (${job.timezone})`;
  } catch {
    return `${expression} (${job.timezone})`;
  }
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
