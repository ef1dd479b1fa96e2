/**
 * How an ndscheduler job (its `GET /api/v1/jobs` shape) becomes a Cronwarden job, without I/O:
 * the job classes that have an equivalent, their arguments, and `day_of_week` renumbered from
 * APScheduler's Monday=0 to crontab's Sunday=0. docs/ndscheduler.md describes the same mapping.
 */

/** One job of ndscheduler's `GET /api/v1/jobs` (`{"jobs": [...]}`), as far as the import reads it. */
export interface NdschedulerJob {
  job_id: string;
  name?: unknown;
  job_class_string?: unknown;
  pub_args?: unknown;
  month?: unknown;
  day_of_week?: unknown;
  day?: unknown;
  hour?: unknown;
  minute?: unknown;
  /** Not in ndscheduler's answer; read when a fork or a proxy adds it. */
  second?: unknown;
  /** Not in ndscheduler's answer (it runs every job in its TIMEZONE setting); read when present. */
  timezone?: unknown;
  /** Null while the job is paused. */
  next_run_time?: unknown;
}

/** A Cronwarden job to import: the body of one job of `POST /api/v1/jobs/import`. */
export interface MappedJob {
  name: string;
  job_class_string: 'ShellJob' | 'CurlJob';
  pub_args: unknown[];
  month: string;
  day_of_week: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  timezone?: string;
  paused: boolean;
}

export type Mapping = { job: MappedJob } | { reason: string };

export const NDSCHEDULER_SHELL_JOB = 'simple_scheduler.jobs.shell_job.ShellJob';
export const NDSCHEDULER_CURL_JOB = 'simple_scheduler.jobs.curl_job.CurlJob';

/** A job name may be this long (as for POST /jobs). */
const MAX_NAME = 200;

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export class DayOfWeekError extends Error {}

/** The Monday=0 days (0-6) one numeric APScheduler item means: `3`, `1-4`, `*`, `*\/2`, `0-6/3`. */
function daysOfItem(item: string, expression: string): number[] {
  const match = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
  if (!match) throw new DayOfWeekError(`day_of_week "${expression}": "${item}" is not a day, a range or a step`);
  const [, star, first, last, stepText] = match;
  const start = star ? 0 : Number(first);
  // APScheduler: `a/n` means a to the end of the field in steps of n.
  const end = star ? 6 : last !== undefined ? Number(last) : stepText !== undefined ? 6 : start;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (start > 6 || end > 6) {
    throw new DayOfWeekError(
      `day_of_week "${expression}": "${item}" is out of range 0-6 (ndscheduler counts Monday as 0)`,
    );
  }
  if (start > end) throw new DayOfWeekError(`day_of_week "${expression}": "${item}" is a reversed range`);
  if (step < 1) throw new DayOfWeekError(`day_of_week "${expression}": "${item}" has a step of 0`);
  const days: number[] = [];
  for (let day = start; day <= end; day += step) days.push(day);
  return days;
}

/** Sunday=0 days as a crontab list: runs of two or more as ranges (`0,5-6`, `1-5`), all seven as `*`. */
function crontabList(days: ReadonlySet<number>): string {
  if (days.size === 7) return '*';
  const sorted = [...days].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let index = 0; index < sorted.length;) {
    let end = index;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end += 1;
    parts.push(end === index ? String(sorted[index]) : `${sorted[index]}-${sorted[end]}`);
    index = end + 1;
  }
  return parts.join(',');
}

/**
 * APScheduler's `day_of_week` (Monday=0 .. Sunday=6, as ndscheduler shows it) in crontab's numbering
 * (Sunday=0): `0-4` → `1-5`, `6` → `0`, `5-6` (Saturday and Sunday) → `0,6`, `4-6` → `0,5-6` (a range
 * reaching Sunday is split), steps counted in Monday=0 days (`*\/2`, Mon, Wed, Fri and Sun, → `0-1,3,5`).
 * Names (`mon-fri`, `sat`) mean the same in both and are kept as they are; `*` stays `*`.
 */
export function dayOfWeekToCrontab(expression: string): string {
  const text = expression.trim().toLowerCase();
  if (text === '' || text === '*') return '*';
  const names: string[] = [];
  const days = new Set<number>();
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (/^[a-z]{3}(?:-[a-z]{3})?$/.test(trimmed)) {
      const unknown = trimmed.split('-').find((name) => !DAY_NAMES.includes(name));
      if (unknown) throw new DayOfWeekError(`day_of_week "${expression}": "${unknown}" is not a day name`);
      names.push(trimmed);
      continue;
    }
    for (const day of daysOfItem(trimmed, expression)) days.add((day + 1) % 7);
  }
  if (days.size === 7) return '*';
  return [...names, ...(days.size > 0 ? [crontabList(days)] : [])].join(',');
}

/** A cron field as text: numbers as ndscheduler may send them, `*` when absent. */
function cronField(value: unknown, field: string, fallback = '*'): string {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'number' || typeof value === 'string') return String(value).trim();
  throw new DayOfWeekError(`${field} is neither text nor a number`);
}

/** ndscheduler's `pub_args`: a list (it also accepts none). */
function argsOf(job: NdschedulerJob): unknown[] | string {
  if (job.pub_args === undefined || job.pub_args === null) return [];
  if (!Array.isArray(job.pub_args)) return 'pub_args is not a list';
  return job.pub_args as unknown[];
}

/**
 * Our class and arguments for ndscheduler's: ShellJob runs `subprocess.call(pub_args)` (the argv, no
 * shell), as ours does; CurlJob is `[url, request_type]`, ours `[url, method, ...]`.
 */
function classAndArguments(job: NdschedulerJob): Pick<MappedJob, 'job_class_string' | 'pub_args'> | string {
  const args = argsOf(job);
  if (typeof args === 'string') return args;
  switch (job.job_class_string) {
    case NDSCHEDULER_SHELL_JOB:
      if (args.length === 0) return 'a ShellJob without pub_args has no program to run';
      return { job_class_string: 'ShellJob', pub_args: args };
    case NDSCHEDULER_CURL_JOB: {
      const [url, requestType] = args;
      if (typeof url !== 'string') return 'a CurlJob needs a URL as pub_args[0]';
      if (args.length > 2) return 'a CurlJob takes [url, request_type]; this one has more arguments';
      const method = typeof requestType === 'string' && requestType.trim() !== '' ? requestType.trim() : 'GET';
      return { job_class_string: 'CurlJob', pub_args: [url, method.toUpperCase()] };
    }
    default:
      return typeof job.job_class_string === 'string'
        ? `no equivalent of ${job.job_class_string}: only ndscheduler's ShellJob and CurlJob map to Cronwarden ` +
            'classes (its Python job classes do not run here); recreate it as a ShellJob or a ScriptJob'
        : 'the job has no job_class_string';
  }
}

/** The name of an ndscheduler job here: its own, or with its job_id when names repeat (kept stable for a re-run). */
export function importedName(job: NdschedulerJob, repeated: boolean): string {
  const own = typeof job.name === 'string' ? job.name.trim() : '';
  const name = own === '' ? `ndscheduler ${job.job_id}` : repeated ? `${own} (ndscheduler ${job.job_id})` : own;
  return name.length > MAX_NAME ? name.slice(0, MAX_NAME) : name;
}

/** One ndscheduler job as a Cronwarden job, or why it cannot be one. */
export function mapNdschedulerJob(job: NdschedulerJob, name: string): Mapping {
  const classAndArgs = classAndArguments(job);
  if (typeof classAndArgs === 'string') return { reason: classAndArgs };
  try {
    const dayOfWeek = cronField(job.day_of_week, 'day_of_week');
    return {
      job: {
        name,
        ...classAndArgs,
        month: cronField(job.month, 'month'),
        day_of_week: dayOfWeekToCrontab(dayOfWeek),
        day: cronField(job.day, 'day'),
        hour: cronField(job.hour, 'hour'),
        minute: cronField(job.minute, 'minute'),
        second: cronField(job.second, 'second', '0'),
        ...(typeof job.timezone === 'string' && job.timezone !== '' ? { timezone: job.timezone } : {}),
        paused: job.next_run_time === null || job.next_run_time === undefined,
      },
    };
  } catch (error) {
    if (error instanceof DayOfWeekError) return { reason: error.message };
    throw error;
  }
}

/** Every job of ndscheduler's answer, mapped, in its order, names made unique where they repeat. */
export function mapNdschedulerJobs(jobs: readonly NdschedulerJob[]): Array<{ source: NdschedulerJob } & Mapping> {
  const counts = new Map<string, number>();
  for (const job of jobs) {
    const name = typeof job.name === 'string' ? job.name.trim() : '';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return jobs.map((source) => {
    const own = typeof source.name === 'string' ? source.name.trim() : '';
    return { source, ...mapNdschedulerJob(source, importedName(source, (counts.get(own) ?? 0) > 1)) };
  });
}

/** ndscheduler's answer, checked: `{"jobs": [{"job_id": ...}, ...]}`. */
export function ndschedulerJobsOf(body: unknown): NdschedulerJob[] {
  const jobs = (body as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(jobs)) throw new Error('the answer has no "jobs" list: is this ndscheduler\'s /api/v1/jobs?');
  return jobs.map((job: unknown, index) => {
    const id = (job as { job_id?: unknown } | null)?.job_id;
    if (typeof job !== 'object' || job === null || (typeof id !== 'string' && typeof id !== 'number')) {
      throw new Error(`jobs[${index}] has no job_id`);
    }
    return { ...(job as Record<string, unknown>), job_id: String(id) };
  });
}
