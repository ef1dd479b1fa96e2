import { CronTime } from 'cron';
import { CronError } from 'cron/dist/errors.js';
import { isIanaTimeZone } from '../common/time-zone.js';

// A job's schedule: six crontab-style fields in an IANA zone, validated field by field by our own
// (stricter) rules and then handed to the `cron` package's CronTime — the same library and version
// `@nestjs/schedule` fires with — which computes every fire time.
//
// What CronTime does that matters here (cron 4.4.0, `node_modules/cron/dist/time.js`):
// - Parsing is lenient: month and day names are replaced across the whole expression (so `mon` in
//   the month field means January and `jan` in day_of_week means Monday), `5/10` means `5-59/10`,
//   steps larger than the field (`*/90`) are accepted, `mon-sun` is refused as a reversed range.
//   We parse each field ourselves, refuse what crontab would not mean, and hand CronTime a purely
//   numeric expression (`expression`).
// - Day of month and day of week (Vixie cron's rule, kept as the library does it): when both are
//   restricted a day matches if EITHER matches (`0 0 0 13 * 5` fires on every 13th and every Friday);
//   when only one is restricted, only that one counts. Unlike Vixie cron, which calls a field
//   unrestricted when it starts with `*`, the library calls a field unrestricted when it lists every
//   value: day `*/2` is restricted (ORed with day_of_week), day `1-31` or day_of_week `0-6` is not.
// - `getNextDateFrom` walks local (wall-clock) time forwards — month, day, hour, minute, second —
//   and gives up with a CronError once it passes *the real clock* + 8 years. Each step advances,
//   so it never loops forever; an impossible date (day 30 in February) costs a walk of 8 years.
// - DST (Debian cron's behaviour, verified for Europe and North America): a fixed time in the
//   skipped hour fires right after the jump, a fixed time in the repeated hour fires once, wildcard
//   hours keep firing in real time. Where 1 January is summer time (southern hemisphere, e.g.
//   Australia/Sydney) a skipped fixed time is moved by the gap's length instead (02:15 → 03:15), and
//   inside the second pass of a repeated hour the library answers with the FIRST pass's instant,
//   which is in the past; `nextAfter` corrects that to the later instant of the same local time.
//   (A *started* CronJob there gets a negative timeout and, in cron 4.4.0, re-fires every ~1 ms
//   until the second pass ends: fire times should come from `nextAfter`, not from CronJob ticks.)

export const CRON_FIELDS = ['second', 'minute', 'hour', 'day', 'month', 'day_of_week'] as const;
export type CronFieldName = (typeof CRON_FIELDS)[number];
export type CronFields = Record<CronFieldName, string>;

export interface ScheduleProblem {
  field: CronFieldName | 'timezone' | 'trigger' | 'interval_seconds' | 'run_date' | 'start_date' | 'end_date';
  /** Names the field, e.g. `minute "61" is out of range 0-59`. */
  message: string;
}

export class ScheduleError extends Error {
  constructor(readonly problems: ScheduleProblem[]) {
    super(problems.map((problem) => problem.message).join('; '));
    this.name = 'ScheduleError';
  }
}

/** A schedule whose first fire is further than this from validation is refused as never firing. */
export const NEVER_FIRES_HORIZON_YEARS = 5;
const NEVER_FIRES_HORIZON_MS = NEVER_FIRES_HORIZON_YEARS * 366 * 86_400_000;

/** API defaults (API.md "Jobs"): `second` is `0`, every other field `*`. */
export function cronFieldsWithDefaults(partial: Partial<CronFields>): CronFields {
  return {
    second: partial.second ?? '0',
    minute: partial.minute ?? '*',
    hour: partial.hour ?? '*',
    day: partial.day ?? '*',
    month: partial.month ?? '*',
    day_of_week: partial.day_of_week ?? '*',
  };
}

interface FieldSpec {
  min: number;
  max: number;
  /** Lower-case names accepted for values of this field only. */
  names?: Readonly<Record<string, number>>;
  nameHint?: string;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const SPECS: Readonly<Record<CronFieldName, FieldSpec>> = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  day: { min: 1, max: 31 },
  month: {
    min: 1,
    max: 12,
    names: Object.fromEntries(MONTH_NAMES.map((name, index) => [name, index + 1])),
    nameHint: 'jan..dec',
  },
  // crontab numbering: 0 and 7 are Sunday.
  day_of_week: {
    min: 0,
    max: 7,
    names: Object.fromEntries(DAY_NAMES.map((name, index) => [name, index])),
    nameHint: 'sun..sat',
  },
};

const SYNTAX_HINT = 'use *, */n, a, a-b, a-b/n or a comma-separated list of these';
/** APScheduler / Quartz extras people bring along: last, L, W, LW, 15W, 5L, 1#2, ?, 1st, xth. */
const EXTENSION = /^(last|l|w|lw|\d+[lw]|[a-z]*\d*#\d*|\?|\d+(st|nd|rd|th))$/i;
const ITEM = /^(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:\/([a-z0-9]+))?$/i;
const DIGITS = /^\d+$/;
/** Values quoted in messages are cut to this length. */
const QUOTE_MAX = 40;

const quote = (text: string): string => JSON.stringify(text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text);

type Parsed = { value: number } | { problem: string };

function parseValue(field: CronFieldName, spec: FieldSpec, token: string): Parsed {
  let value: number | undefined;
  if (DIGITS.test(token)) value = Number.parseInt(token, 10);
  else value = spec.names?.[token.toLowerCase()];
  if (value === undefined) {
    const what = spec.names ? `a number or a name (${spec.nameHint})` : 'a number';
    return { problem: `${field} ${quote(token)} is not ${what}` };
  }
  if (value < spec.min || value > spec.max) {
    return { problem: `${field} ${quote(token)} is out of range ${spec.min}-${spec.max}` };
  }
  return { value };
}

function parseStep(field: CronFieldName, spec: FieldSpec, item: string, token: string): Parsed {
  if (!DIGITS.test(token)) return { problem: `${field} ${quote(item)} has a step that is not a number` };
  const step = Number.parseInt(token, 10);
  if (step === 0) return { problem: `${field} ${quote(item)} has a step of 0; a step must be at least 1` };
  if (step > spec.max - spec.min) {
    return { problem: `${field} ${quote(item)} has a step of ${step}, larger than the range ${spec.min}-${spec.max}` };
  }
  return { value: step };
}

/** One list item → its numeric form for CronTime, or the problem with it. */
function normaliseItem(field: CronFieldName, spec: FieldSpec, item: string): { text: string } | { problem: string } {
  if (item === '') return { problem: `${field} has an empty item in its list` };
  const match = ITEM.exec(item);
  if (!match || (match[1] === '*' && match[2] !== undefined)) {
    const extension = EXTENSION.test(item) || item.includes('#') || item.includes('?');
    return {
      problem: extension
        ? `${field} ${quote(item)} is not supported (no L, W, #, ?, last or 1st/2nd.. forms): ${SYNTAX_HINT}`
        : `${field} ${quote(item)} is not valid cron syntax: ${SYNTAX_HINT}`,
    };
  }
  const [, first, last, stepToken] = match;
  let step: number | undefined;
  if (stepToken !== undefined) {
    const parsed = parseStep(field, spec, item, stepToken);
    if ('problem' in parsed) return parsed;
    step = parsed.value;
  }
  if (first === '*') return { text: step === undefined ? '*' : `*/${step}` };
  if (EXTENSION.test(first)) {
    return {
      problem: `${field} ${quote(item)} is not supported (no L, W, #, ?, last or 1st/2nd.. forms): ${SYNTAX_HINT}`,
    };
  }
  const start = parseValue(field, spec, first);
  if ('problem' in start) return start;
  if (last === undefined) {
    if (step !== undefined) {
      return {
        problem: `${field} ${quote(item)}: a step needs a range or * (write ${first}-${spec.max}/${step} or */${step})`,
      };
    }
    return { text: String(start.value) };
  }
  const end = parseValue(field, spec, last);
  if ('problem' in end) return end;
  let endValue = end.value;
  // `fri-sun`, `mon-sun`: a range that ends on the name `sun` ends on day 7 (also Sunday).
  if (field === 'day_of_week' && last.toLowerCase() === 'sun' && start.value > 0) endValue = 7;
  if (start.value > endValue) {
    return {
      problem: `${field} ${quote(item)} is a reversed range (${first} is after ${last}; ranges cannot wrap around)`,
    };
  }
  const range = `${start.value}-${endValue}`;
  return { text: step === undefined ? range : `${range}/${step}` };
}

/** A field → its numeric form for CronTime, or the (first) problem with it. */
function normaliseField(field: CronFieldName, value: unknown): { text: string } | { problem: string } {
  if (typeof value !== 'string') return { problem: `${field} must be a string` };
  if (value === '') return { problem: `${field} is empty (use * for every value)` };
  if (/\s/.test(value)) {
    return { problem: `${field} ${quote(value)} must not contain spaces (${SYNTAX_HINT}; no "1st mon" or "last fri")` };
  }
  const spec = SPECS[field];
  const items: string[] = [];
  for (const item of value.split(',')) {
    const result = normaliseItem(field, spec, item);
    if ('problem' in result) return result;
    items.push(result.text);
  }
  return { text: items.join(',') };
}

interface Analysis {
  problems: ScheduleProblem[];
  expression?: string;
  cronTime?: CronTime;
}

/** Where the library's own parse refuses a normalised expression (should not happen): which field. */
function libraryProblems(normalised: CronFields, timezone: string, error: unknown): ScheduleProblem[] {
  const reason = error instanceof Error ? error.message : String(error);
  const problems: ScheduleProblem[] = [];
  for (const field of CRON_FIELDS) {
    const probe = CRON_FIELDS.map((other) => (other === field ? normalised[other] : '*')).join(' ');
    try {
      new CronTime(probe, timezone);
    } catch (probeError) {
      const probeReason = probeError instanceof Error ? probeError.message : String(probeError);
      problems.push({
        field,
        message: `${field} ${quote(normalised[field])} is refused by the cron library: ${probeReason}`,
      });
    }
  }
  if (problems.length > 0) return problems;
  return [{ field: 'timezone', message: `timezone ${quote(timezone)} is refused by the cron library: ${reason}` }];
}

function analyse(fields: CronFields, timezone: string, now: Date, checkFires = true): Analysis {
  const problems: ScheduleProblem[] = [];
  const normalised = {} as CronFields;
  for (const field of CRON_FIELDS) {
    const result = normaliseField(field, (fields as Partial<Record<CronFieldName, unknown>>)[field]);
    if ('problem' in result) problems.push({ field, message: result.problem });
    else normalised[field] = result.text;
  }
  if (typeof timezone !== 'string' || !isIanaTimeZone(timezone)) {
    problems.push({
      field: 'timezone',
      message: `timezone ${quote(String(timezone))} is not an IANA time zone name (e.g. Europe/Berlin, UTC)`,
    });
  }
  if (problems.length > 0) return { problems };

  const expression = CRON_FIELDS.map((field) => normalised[field]).join(' ');
  let cronTime: CronTime;
  try {
    cronTime = new CronTime(expression, timezone);
  } catch (error) {
    return { problems: libraryProblems(normalised, timezone, error) };
  }

  if (!checkFires) return { problems: [], expression, cronTime };
  // Bounded search with the same CronTime: the library itself stops at the real clock + 8 years.
  const first = libraryNext(cronTime, timezone, now);
  if (first === null || first.toMillis() - now.getTime() > NEVER_FIRES_HORIZON_MS) {
    const message =
      first === null
        ? `day ${quote(fields.day)} never falls in month ${quote(fields.month)}: the schedule never fires`
        : `day ${quote(fields.day)} with month ${quote(fields.month)} does not fire within ${NEVER_FIRES_HORIZON_YEARS} years`;
    return { problems: [{ field: 'day', message }] };
  }
  return { problems: [], expression, cronTime };
}

type LibraryDate = ReturnType<CronTime['getNextDateFrom']>;

/** CronTime's next fire after `start`, or null when it finds none before its own horizon. */
function libraryNext(cronTime: CronTime, timezone: string, start: Date): LibraryDate | null {
  try {
    return cronTime.getNextDateFrom(start, timezone);
  } catch (error) {
    if (error instanceof CronError) return null;
    throw error;
  }
}

const sameLocalTime = (a: LibraryDate, b: LibraryDate): boolean =>
  a.year === b.year &&
  a.month === b.month &&
  a.day === b.day &&
  a.hour === b.hour &&
  a.minute === b.minute &&
  a.second === b.second;

// For each second of the minute, how many seconds ahead the next allowed second is (1..60), from
// the normalised `second` field (`*`, `*/n`, `a`, `a-b`, `a-b/n`, lists).
function secondsAheadTable(secondField: string): number[] {
  const allowed = new Array<boolean>(60).fill(false);
  for (const item of secondField.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [first, last] = range === '*' ? [0, 59] : range.split('-').map(Number);
    const end = last ?? (stepText === undefined ? first : 59);
    for (let second = first; second <= end; second += step) allowed[second] = true;
  }
  return allowed.map((_, second) => {
    let ahead = 1;
    while (!allowed[(second + ahead) % 60]) ahead++;
    return ahead;
  });
}

/** Since 1973 every zone's UTC offset is a whole number of minutes: a UTC second is a local second. */
const WHOLE_MINUTE_OFFSETS_SINCE = Date.UTC(1973, 0, 1);

function assertDate(name: string, value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError(`${name} must be a valid Date`);
}

/** Validates without throwing: every problem, [] when the schedule is valid and fires. */
export function scheduleProblems(fields: CronFields, timezone: string, now: Date = new Date()): ScheduleProblem[] {
  assertDate('now', now);
  return analyse(fields, timezone, now).problems;
}

/**
 * Schedules built, by fields, time zone and whether the search that proves they fire was made: a
 * CronSchedule never changes, so jobs with the same schedule share one (and its memo of the next
 * fire), and a write does not parse an expression already seen. The oldest go first past the bound.
 */
const BUILT = new Map<string, CronSchedule>();
const BUILT_MAX = 2000;

function cacheKey(fields: CronFields, timezone: string, checkFires: boolean): string | null {
  const parts: string[] = [checkFires ? 'checked' : 'stored', timezone];
  for (const field of CRON_FIELDS) {
    const value: unknown = (fields as Partial<Record<CronFieldName, unknown>>)[field];
    if (typeof value !== 'string') return null;
    parts.push(value);
  }
  return typeof timezone === 'string' ? parts.join('\u0000') : null;
}

export class CronSchedule {
  /** As a {@link Schedule} of `schedule.ts` (the cron trigger, unbounded). */
  readonly trigger = 'cron';

  private constructor(
    readonly fields: CronFields,
    readonly timezone: string,
    /** `second minute hour day month day_of_week`, numeric, exactly as given to CronTime. */
    readonly expression: string,
    /** For `new CronJob(...)` / SchedulerRegistry: the same object computes `nextAfter`. */
    readonly cronTime: CronTime,
    private readonly secondsAhead: readonly number[],
  ) {}

  /** The last answer of {@link nextAfter} (`memoNext`, epoch ms) and the instant it was asked for. */
  private memoAfter = Number.POSITIVE_INFINITY;
  private memoNext = Number.NEGATIVE_INFINITY;

  /** @throws ScheduleError listing every problem (see {@link scheduleProblems}). */
  static create(fields: CronFields, timezone: string): CronSchedule {
    return CronSchedule.build(fields, timezone, true);
  }

  /**
   * For a schedule that was validated when it was saved (registering stored jobs at start): the
   * same parsing and field checks, without the search that proves the schedule fires at all.
   * @throws ScheduleError when a stored schedule turns out invalid after all.
   */
  static fromStored(fields: CronFields, timezone: string): CronSchedule {
    return CronSchedule.build(fields, timezone, false);
  }

  private static build(fields: CronFields, timezone: string, checkFires: boolean): CronSchedule {
    const key = cacheKey(fields, timezone, checkFires);
    const cached = key === null ? undefined : BUILT.get(key);
    if (cached) return cached;
    const { problems, expression, cronTime } = analyse(fields, timezone, new Date(), checkFires);
    if (problems.length > 0 || expression === undefined || cronTime === undefined) throw new ScheduleError(problems);
    const given = Object.freeze(Object.fromEntries(CRON_FIELDS.map((field) => [field, fields[field]])) as CronFields);
    const schedule = new CronSchedule(
      given,
      timezone,
      expression,
      cronTime,
      secondsAheadTable(expression.split(' ')[0]),
    );
    if (key !== null) {
      if (BUILT.size >= BUILT_MAX) BUILT.delete(BUILT.keys().next().value as string);
      BUILT.set(key, schedule);
    }
    return schedule;
  }

  /**
   * The first fire strictly after `after` (whole seconds), or null if the library finds none before
   * its horizon (the real clock + 8 years).
   */
  nextAfter(after: Date): Date | null {
    assertDate('after', after);
    const afterMs = after.getTime();
    // The first fire after t0 is also the first after any t in [t0, that fire): no fire lies between.
    if (afterMs >= this.memoAfter && afterMs < this.memoNext) return new Date(this.memoNext);
    const next = this.computeNextAfter(after);
    if (next !== null) {
      this.memoAfter = afterMs;
      this.memoNext = next.getTime();
    }
    return next;
  }

  private computeNextAfter(after: Date): Date | null {
    const afterMs = after.getTime();
    let cursor = this.searchStart(after);
    // One retry is enough (see the file comment); the bound only guards against a library change.
    for (let attempt = 0; attempt < 4; attempt++) {
      const next = libraryNext(this.cronTime, this.timezone, cursor);
      if (next === null) return null;
      if (next.toMillis() > afterMs) return new Date(next.toMillis());
      // A local time of a repeated hour, answered with its first (past) instant: take the later one.
      const offsetAtAfter = next.plus({ milliseconds: afterMs - next.toMillis() }).offset;
      const later = next.offset > offsetAtAfter ? next.plus({ minutes: next.offset - offsetAtAfter }) : null;
      if (later !== null && sameLocalTime(later, next)) {
        if (later.toMillis() > afterMs) return new Date(later.toMillis());
        cursor = new Date(later.toMillis());
      } else {
        cursor = new Date(next.toMillis());
      }
    }
    throw new Error(
      `cron library gave no fire after ${after.toISOString()} for "${this.expression}" in ${this.timezone}`,
    );
  }

  /**
   * Where to start the library's search: just before the first instant after `after` whose second
   * is allowed. Same answer (no fire lies in between), but CronTime otherwise walks up to 59 seconds
   * one luxon step at a time after every fire of a `second: 0` schedule (~15 µs a step).
   */
  private searchStart(after: Date): Date {
    const afterMs = after.getTime();
    if (afterMs < WHOLE_MINUTE_OFFSETS_SINCE) return after;
    const wholeSecond = Math.floor(afterMs / 1000) * 1000;
    const start = wholeSecond + (this.secondsAhead[new Date(wholeSecond).getUTCSeconds()] - 1) * 1000;
    return start > afterMs ? new Date(start) : after;
  }

  /** Fires in (after, until], oldest first, at most `limit` of them. */
  firesBetween(after: Date, until: Date, limit: number): Date[] {
    assertDate('after', after);
    assertDate('until', until);
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
    const fires: Date[] = [];
    let cursor = after;
    while (fires.length < limit) {
      const next = this.nextAfter(cursor);
      if (next === null || next.getTime() > until.getTime()) break;
      fires.push(next);
      cursor = next;
    }
    return fires;
  }
}
