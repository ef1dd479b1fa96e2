import { CronTime } from 'cron';
import {
  CRON_FIELDS,
  CronSchedule,
  ScheduleError,
  cronFieldsWithDefaults,
  scheduleProblems,
  type CronFieldName,
  type CronFields,
} from './cron-schedule.js';

const schedule = (partial: Partial<CronFields>, timezone = 'UTC'): CronSchedule =>
  CronSchedule.create(cronFieldsWithDefaults(partial), timezone);
const iso = (dates: (Date | null)[]): (string | null)[] =>
  dates.map((date) => (date === null ? null : date.toISOString().replace('.000Z', 'Z')));
const fires = (partial: Partial<CronFields>, timezone: string, after: string, until: string, limit = 100) =>
  iso(schedule(partial, timezone).firesBetween(new Date(after), new Date(until), limit));
const expressionOf = (fields: CronFields): string => CRON_FIELDS.map((field) => fields[field]).join(' ');
const cronTimeAccepts = (fields: CronFields): boolean => {
  try {
    new CronTime(expressionOf(fields), 'UTC');
    return true;
  } catch {
    return false;
  }
};

describe('cronFieldsWithDefaults', () => {
  it('defaults second to 0 and every other field to *', () => {
    expect(cronFieldsWithDefaults({})).toEqual({
      second: '0',
      minute: '*',
      hour: '*',
      day: '*',
      month: '*',
      day_of_week: '*',
    });
  });

  it('keeps the fields given', () => {
    expect(cronFieldsWithDefaults({ minute: '*/5', second: '30' })).toEqual({
      second: '30',
      minute: '*/5',
      hour: '*',
      day: '*',
      month: '*',
      day_of_week: '*',
    });
  });
});

describe('scheduleProblems: valid fields', () => {
  // [field, value, what CronTime is given for that field]
  it.each<[CronFieldName, string, string]>([
    ['second', '*', '*'],
    ['second', '59', '59'],
    ['second', '*/15', '*/15'],
    ['second', '0-30/10', '0-30/10'],
    ['minute', '*/5', '*/5'],
    ['minute', '05', '5'],
    ['minute', '0,15,30,45', '0,15,30,45'],
    ['minute', '*/59', '*/59'],
    ['hour', '9-17', '9-17'],
    ['hour', '0,12-14,23', '0,12-14,23'],
    ['day', '1', '1'],
    ['day', '31', '31'],
    ['day', '1-31/2', '1-31/2'],
    ['month', '12', '12'],
    ['month', 'jan', '1'],
    ['month', 'JAN-Mar', '1-3'],
    ['month', 'jan-dec/3', '1-12/3'],
    ['month', 'jun,DEC', '6,12'],
    ['day_of_week', '0', '0'],
    ['day_of_week', '7', '7'],
    ['day_of_week', '0-7', '0-7'],
    ['day_of_week', '*/2', '*/2'],
    ['day_of_week', 'sun', '0'],
    ['day_of_week', 'MON-FRI', '1-5'],
    ['day_of_week', 'mon-fri/2', '1-5/2'],
    ['day_of_week', 'Sat,Sun', '6,0'],
    ['day_of_week', 'sun-sat', '0-6'],
    ['day_of_week', 'mon-sun', '1-7'],
    ['day_of_week', 'fri-sun', '5-7'],
    ['day_of_week', '5-sun', '5-7'],
    ['day_of_week', 'sun-mon', '0-1'],
  ])('accepts %s %p and gives CronTime %p', (field, value, normalised) => {
    const fields = cronFieldsWithDefaults({ [field]: value });
    expect(scheduleProblems(fields, 'UTC')).toEqual([]);
    const expected = expressionOf(cronFieldsWithDefaults({ [field]: normalised }));
    expect(CronSchedule.create(fields, 'UTC').expression).toBe(expected);
  });
});

describe('scheduleProblems: invalid fields (our rules win over what CronTime alone accepts)', () => {
  // [field, value, our message, does CronTime alone accept the expression built with it?]
  it.each<[CronFieldName, string, string | RegExp, boolean]>([
    ['second', '60', 'second "60" is out of range 0-59', false],
    ['minute', '61', 'minute "61" is out of range 0-59', false],
    ['hour', '24', 'hour "24" is out of range 0-23', false],
    ['day', '0', 'day "0" is out of range 1-31', false],
    ['day', '32', 'day "32" is out of range 1-31', false],
    ['month', '0', 'month "0" is out of range 1-12', false],
    ['month', '13', 'month "13" is out of range 1-12', false],
    ['day_of_week', '8', 'day_of_week "8" is out of range 0-7', false],
    ['minute', '1,61', 'minute "61" is out of range 0-59', false],
    ['hour', '20-25', 'hour "25" is out of range 0-23', false],
    // an empty field shifts the others: CronTime reads "0  * * * *" as a five-field expression
    ['minute', '', 'minute is empty (use * for every value)', true],
    ['minute', ' 5', /^minute " 5" must not contain spaces/, true],
    ['minute', '1 2', /^minute "1 2" must not contain spaces/, false],
    ['day_of_week', '1st mon', /^day_of_week "1st mon" must not contain spaces .*"1st mon"/, false],
    ['minute', '*/0', 'minute "*/0" has a step of 0; a step must be at least 1', false],
    ['hour', '1-5/0', 'hour "1-5/0" has a step of 0; a step must be at least 1', false],
    ['minute', '*/60', 'minute "*/60" has a step of 60, larger than the range 0-59', true],
    ['hour', '*/24', 'hour "*/24" has a step of 24, larger than the range 0-23', true],
    ['minute', '5/10', 'minute "5/10": a step needs a range or * (write 5-59/10 or */10)', true],
    ['hour', '5-1', 'hour "5-1" is a reversed range (5 is after 1; ranges cannot wrap around)', false],
    ['day_of_week', 'fri-mon', /^day_of_week "fri-mon" is a reversed range/, false],
    ['day_of_week', '6-0', /^day_of_week "6-0" is a reversed range/, false],
    ['minute', '1,,2', 'minute has an empty item in its list', false],
    ['minute', '1,', 'minute has an empty item in its list', false],
    // names belong to their own field: CronTime swaps names anywhere (`mon` = 1 = January here)
    ['month', 'mon', 'month "mon" is not a number or a name (jan..dec)', true],
    ['day_of_week', 'jan', 'day_of_week "jan" is not a number or a name (sun..sat)', true],
    ['day', 'mon', 'day "mon" is not a number', true],
    ['day_of_week', 'monday', 'day_of_week "monday" is not a number or a name (sun..sat)', false],
    ['minute', '0x10', 'minute "0x10" is not a number', false],
    // APScheduler / Quartz extras
    ['day', 'last', /^day "last" is not supported \(no L, W, #, \?, last/, false],
    ['day', 'L', /^day "L" is not supported/, false],
    ['day', '15W', /^day "15W" is not supported/, false],
    ['day', 'LW', /^day "LW" is not supported/, false],
    ['day', '?', /^day "\?" is not supported/, false],
    ['day_of_week', '?', /^day_of_week "\?" is not supported/, false],
    ['day_of_week', '5L', /^day_of_week "5L" is not supported/, false],
    ['day_of_week', '1#2', /^day_of_week "1#2" is not supported/, false],
    ['day_of_week', 'fri#3', /^day_of_week "fri#3" is not supported/, false],
    ['day', '1st', /^day "1st" is not supported/, false],
    // anything else
    ['minute', '*-5', /^minute "\*-5" is not valid cron syntax: use \*, \*\/n, a, a-b, a-b\/n/, false],
    ['minute', '5-*', /^minute "5-\*" is not valid cron syntax/, false],
    ['minute', '**', /^minute "\*\*" is not valid cron syntax/, false],
    ['minute', '-1', /^minute "-1" is not valid cron syntax/, false],
    ['minute', '1.5', /^minute "1.5" is not valid cron syntax/, false],
    ['minute', '1-2-3', /^minute "1-2-3" is not valid cron syntax/, false],
    ['minute', '*/*', /^minute "\*\/\*" is not valid cron syntax/, false],
    ['minute', '*/x', 'minute "*/x" has a step that is not a number', false],
    ['minute', '@hourly', /^minute "@hourly" is not valid cron syntax/, false],
  ])('refuses %s %p', (field, value, message, acceptedByCronTime) => {
    const fields = cronFieldsWithDefaults({ [field]: value });
    const problems = scheduleProblems(fields, 'UTC');
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe(field);
    if (typeof message === 'string') expect(problems[0].message).toBe(message);
    else expect(problems[0].message).toMatch(message);
    // Documents the library's own verdict, so an upgrade that changes it shows up here.
    expect(cronTimeAccepts(fields)).toBe(acceptedByCronTime);
  });

  it('refuses a field that is not a string', () => {
    const fields = { ...cronFieldsWithDefaults({}), minute: 5 as unknown as string };
    expect(scheduleProblems(fields, 'UTC')).toEqual([{ field: 'minute', message: 'minute must be a string' }]);
  });

  it('cuts long values in messages', () => {
    const [problem] = scheduleProblems(cronFieldsWithDefaults({ minute: `${'1,'.repeat(100)}99` }), 'UTC');
    expect(problem.message).toBe('minute "99" is out of range 0-59');
    const [long] = scheduleProblems(cronFieldsWithDefaults({ hour: 'x'.repeat(100) }), 'UTC');
    expect(long.message).toBe(`hour "${'x'.repeat(40)}…" is not a number`);
  });

  it.each(['', 'Mars/Olympus', '+01:00', 'Europe/Berlin ', 'local'])('refuses the timezone %p', (timezone) => {
    expect(scheduleProblems(cronFieldsWithDefaults({}), timezone)).toEqual([
      {
        field: 'timezone',
        message: `timezone ${JSON.stringify(timezone)} is not an IANA time zone name (e.g. Europe/Berlin, UTC)`,
      },
    ]);
  });

  it('lists every bad field and the timezone, in field order', () => {
    const fields = cronFieldsWithDefaults({ second: '60', hour: 'L', day_of_week: 'jan' });
    expect(scheduleProblems(fields, 'Nowhere/Land').map((problem) => problem.field)).toEqual([
      'second',
      'hour',
      'day_of_week',
      'timezone',
    ]);
  });
});

describe('scheduleProblems: schedules that never fire', () => {
  it.each<[string, string]>([
    ['30', '2'],
    ['30,31', 'feb'],
    ['31', '4,6,9,11'],
    ['31', '2,4,6,9,11'],
  ])('refuses day %p with month %p on the day field', (day, month) => {
    expect(scheduleProblems(cronFieldsWithDefaults({ day, month }), 'Europe/Berlin')).toEqual([
      {
        field: 'day',
        message: `day ${JSON.stringify(day)} never falls in month ${JSON.stringify(month)}: the schedule never fires`,
      },
    ]);
  });

  it('accepts 29 February: it fires in leap years', () => {
    const fields = cronFieldsWithDefaults({ second: '0', minute: '0', hour: '0', day: '29', month: '2' });
    expect(scheduleProblems(fields, 'UTC', new Date('2026-03-01T00:00:00Z'))).toEqual([]);
    expect(iso([CronSchedule.create(fields, 'UTC').nextAfter(new Date('2026-03-01T00:00:00Z'))])).toEqual([
      '2028-02-29T00:00:00Z',
    ]);
  });

  it('refuses a schedule whose first fire is more than 5 years after now (29 February seen from 1896)', () => {
    const fields = cronFieldsWithDefaults({ minute: '0', hour: '0', day: '29', month: '2' });
    // 1900 is no leap year: the next 29 February after 1896-03-01 is in 1904.
    expect(scheduleProblems(fields, 'UTC', new Date('1896-03-01T00:00:00Z'))).toEqual([
      { field: 'day', message: 'day "29" with month "2" does not fire within 5 years' },
    ]);
    expect(scheduleProblems(fields, 'UTC', new Date('1899-03-01T00:00:00Z'))).toEqual([]);
  });

  it('accepts day 30 with month 2 when day_of_week is restricted too: the days are ORed', () => {
    const partial = { minute: '0', hour: '0', day: '30', month: '2', day_of_week: 'mon' };
    expect(scheduleProblems(cronFieldsWithDefaults(partial), 'UTC')).toEqual([]);
    expect(fires(partial, 'UTC', '2027-01-31T00:00:00Z', '2027-02-16T00:00:00Z')).toEqual([
      '2027-02-01T00:00:00Z',
      '2027-02-08T00:00:00Z',
      '2027-02-15T00:00:00Z',
    ]);
  });

  it('refuses an invalid now', () => {
    expect(() => scheduleProblems(cronFieldsWithDefaults({}), 'UTC', new Date(Number.NaN))).toThrow(RangeError);
  });

  it('only looks for fires once every field is valid', () => {
    expect(scheduleProblems(cronFieldsWithDefaults({ minute: '61', day: '30', month: '2' }), 'UTC')).toEqual([
      { field: 'minute', message: 'minute "61" is out of range 0-59' },
    ]);
  });
});

describe('CronSchedule.create', () => {
  it('throws a ScheduleError listing every problem', () => {
    const fields = cronFieldsWithDefaults({ minute: '61', day_of_week: 'L' });
    let thrown: unknown;
    try {
      CronSchedule.create(fields, 'Mars/Olympus');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScheduleError);
    const error = thrown as ScheduleError;
    expect(error.problems.map((problem) => problem.field)).toEqual(['minute', 'day_of_week', 'timezone']);
    expect(error.message).toBe(error.problems.map((problem) => problem.message).join('; '));
    expect(error.message).toMatch(/^minute "61" is out of range 0-59; day_of_week "L" is not supported/);
  });

  it('throws a ScheduleError for a schedule that never fires', () => {
    expect(() => schedule({ day: '31', month: 'apr' })).toThrow(ScheduleError);
  });

  it('keeps the fields as given, the zone, the numeric expression and the CronTime that fires it', () => {
    const given = cronFieldsWithDefaults({ minute: '*/15', hour: '9-17', day_of_week: 'Mon-Fri' });
    const created = CronSchedule.create(given, 'Europe/Berlin');
    expect(created.fields).toEqual(given);
    expect(created.fields).not.toBe(given);
    expect(Object.isFrozen(created.fields)).toBe(true);
    expect(created.timezone).toBe('Europe/Berlin');
    expect(created.expression).toBe('0 */15 9-17 * * 1-5');
    expect(created.cronTime).toBeInstanceOf(CronTime);
    const from = new Date('2026-11-20T16:50:00Z'); // Friday 17:50 in Berlin
    expect(created.cronTime.getNextDateFrom(from, 'Europe/Berlin').toMillis()).toBe(created.nextAfter(from)?.getTime());
  });
});

describe('CronSchedule.nextAfter', () => {
  const everyDayAtNine = () => schedule({ minute: '0', hour: '9' }, 'Europe/Berlin');

  it('gives the first fire strictly after the time given', () => {
    const daily = everyDayAtNine();
    expect(iso([daily.nextAfter(new Date('2026-11-23T07:59:59Z'))])).toEqual(['2026-11-23T08:00:00Z']);
    expect(iso([daily.nextAfter(new Date('2026-11-23T08:00:00Z'))])).toEqual(['2026-11-24T08:00:00Z']);
  });

  it('works to the second: a fire earlier in the same second is not after', () => {
    const everySecond = schedule({ second: '*' });
    expect(iso([everySecond.nextAfter(new Date('2026-11-23T10:00:00.500Z'))])).toEqual(['2026-11-23T10:00:01Z']);
    expect(iso([everySecond.nextAfter(new Date('2026-11-23T09:59:59.999Z'))])).toEqual(['2026-11-23T10:00:00Z']);
    expect(everyDayAtNine().nextAfter(new Date('2026-11-23T07:12:34.567Z'))?.getUTCMilliseconds()).toBe(0);
  });

  it('reads the fields in the schedule zone, not the server zone', () => {
    expect(
      iso([schedule({ minute: '0', hour: '9' }, 'Asia/Kolkata').nextAfter(new Date('2026-11-23T00:00:00Z'))]),
    ).toEqual(['2026-11-23T03:30:00Z']);
  });

  it('returns null beyond the library search horizon (the real clock + 8 years)', () => {
    expect(everyDayAtNine().nextAfter(new Date('2100-01-01T00:00:00Z'))).toBeNull();
  });

  it.each<[Partial<CronFields>, string]>([
    [{}, 'Europe/Berlin'],
    [{ second: '*/7', minute: '*/3' }, 'America/New_York'],
    [{ second: '5,50-55', minute: '0', hour: '*/2' }, 'Asia/Kathmandu'],
    [{ second: '*', minute: '59', hour: '23' }, 'UTC'],
    [{ second: '59', minute: '0,30', hour: '2', day_of_week: 'sun' }, 'Europe/Berlin'],
  ])('answers as CronTime.getNextDateFrom does for %p in %s', (partial, timezone) => {
    const scheduled = schedule(partial, timezone);
    const differences: string[] = [];
    for (let t = Date.parse('2026-03-27T00:00:00Z'); t < Date.parse('2026-04-06T00:00:00Z'); t += 10_799_963) {
      const mine = scheduled.nextAfter(new Date(t))?.getTime();
      const library = scheduled.cronTime.getNextDateFrom(new Date(t), timezone).toMillis();
      if (mine !== library) differences.push(`${new Date(t).toISOString()}: ${mine} vs ${library}`);
    }
    expect(differences).toEqual([]);
  });

  it('refuses an invalid Date', () => {
    expect(() => everyDayAtNine().nextAfter(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('CronSchedule sharing and its memo of the next fire', () => {
  it('builds one schedule per fields and time zone, and shares it', () => {
    const fields = cronFieldsWithDefaults({ second: '*/7', minute: '3-40' });
    expect(CronSchedule.create(fields, 'Europe/Berlin')).toBe(CronSchedule.create({ ...fields }, 'Europe/Berlin'));
    expect(CronSchedule.create(fields, 'Europe/Berlin')).not.toBe(CronSchedule.create(fields, 'UTC'));
  });

  it('answers from its memo exactly as a search would, in any order of questions, across a DST change', () => {
    const fields = cronFieldsWithDefaults({ second: '*/7', minute: '*/3', hour: '1-3' });
    const memoised = CronSchedule.create(fields, 'Europe/Berlin');
    // another instance (built without the fire check): its answers come from searches in another order
    const reference = CronSchedule.fromStored(fields, 'Europe/Berlin');
    expect(reference).not.toBe(memoised);
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let at = Date.parse('2026-10-25T00:00:00Z');
    const asked: number[] = [];
    for (let i = 0; i < 600; i++) {
      at += Math.floor(random() * 20_000) - (i % 10 === 0 ? 60_000 : 0);
      asked.push(at);
    }
    const expected = new Map(
      [...asked].sort(() => random() - 0.5).map((ms) => [ms, reference.nextAfter(new Date(ms))?.getTime()]),
    );
    for (const ms of asked) expect([ms, memoised.nextAfter(new Date(ms))?.getTime()]).toEqual([ms, expected.get(ms)]);
  });
});

describe('day_of_week numbering (crontab: 0 and 7 are Sunday)', () => {
  // 2026-11-27 is a Friday
  const week = ['2026-11-26T12:00:00Z', '2026-12-03T12:00:00Z'] as const;
  const days = (dayOfWeek: string) => fires({ minute: '0', hour: '0', day_of_week: dayOfWeek }, 'UTC', ...week);

  it.each(['0', '7', 'sun', 'SUN'])('%p is Sunday', (dayOfWeek) => {
    expect(days(dayOfWeek)).toEqual(['2026-11-29T00:00:00Z']);
  });

  it('mon-fri is Monday to Friday', () => {
    expect(days('mon-fri')).toEqual([
      '2026-11-27T00:00:00Z',
      '2026-11-30T00:00:00Z',
      '2026-12-01T00:00:00Z',
      '2026-12-02T00:00:00Z',
      '2026-12-03T00:00:00Z',
    ]);
  });

  it.each(['fri-sun', '5-7', 'fri,sat,0'])('%p is Friday to Sunday', (dayOfWeek) => {
    expect(days(dayOfWeek)).toEqual(['2026-11-27T00:00:00Z', '2026-11-28T00:00:00Z', '2026-11-29T00:00:00Z']);
  });

  it('1 is Monday (ndscheduler/APScheduler counted Monday as 0)', () => {
    expect(days('1')).toEqual(['2026-11-30T00:00:00Z']);
  });
});

describe('day of month and day of week (the library decides; Vixie cron ORs them)', () => {
  const window = ['2026-10-31T23:59:59Z', '2026-11-30T23:59:59Z'] as const; // November
  const midnights = (day: string, dayOfWeek: string) =>
    fires({ minute: '0', hour: '0', day, day_of_week: dayOfWeek }, 'UTC', ...window);

  it('fires when either matches if both are restricted: every 13th and every Friday', () => {
    expect(midnights('13', 'fri')).toEqual([
      '2026-11-06T00:00:00Z',
      '2026-11-13T00:00:00Z', // 13th and a Friday: once
      '2026-11-20T00:00:00Z',
      '2026-11-27T00:00:00Z',
    ]);
    expect(midnights('1,15', 'mon')).toEqual([
      '2026-11-01T00:00:00Z',
      '2026-11-02T00:00:00Z',
      '2026-11-09T00:00:00Z',
      '2026-11-15T00:00:00Z',
      '2026-11-16T00:00:00Z',
      '2026-11-23T00:00:00Z',
      '2026-11-30T00:00:00Z',
    ]);
  });

  it('uses day_of_week alone when day is *', () => {
    expect(midnights('*', 'mon')).toEqual([
      '2026-11-02T00:00:00Z',
      '2026-11-09T00:00:00Z',
      '2026-11-16T00:00:00Z',
      '2026-11-23T00:00:00Z',
      '2026-11-30T00:00:00Z',
    ]);
  });

  it('calls a field unrestricted when it lists every value, not when it starts with * (unlike Vixie cron)', () => {
    // day 1-31 covers every day: day_of_week alone decides (Vixie cron would fire every day)
    expect(midnights('1-31', 'mon')).toEqual(midnights('*', 'mon'));
    // day */10 is restricted: ORed with Mondays (Vixie cron would AND it, as it starts with *)
    expect(midnights('*/10', 'mon')).toEqual([
      '2026-11-01T00:00:00Z', // 1 is the first of */10 (1-31/10)
      '2026-11-02T00:00:00Z',
      '2026-11-09T00:00:00Z',
      '2026-11-11T00:00:00Z',
      '2026-11-16T00:00:00Z',
      '2026-11-21T00:00:00Z',
      '2026-11-23T00:00:00Z',
      '2026-11-30T00:00:00Z',
    ]);
  });
});

describe('fire times against a brute-force minute scan (UTC)', () => {
  // Second is 0 in every case, so a minute scan sees every fire.
  const cases: [string, Partial<CronFields>, (date: Date) => boolean][] = [
    ['every 5 minutes', { minute: '*/5' }, (d) => d.getUTCMinutes() % 5 === 0],
    [
      'quarter hours 9-17 on weekdays',
      { minute: '*/15', hour: '9-17', day_of_week: 'mon-fri' },
      (d) => d.getUTCMinutes() % 15 === 0 && d.getUTCHours() >= 9 && d.getUTCHours() <= 17 && d.getUTCDay() % 6 !== 0,
    ],
    [
      'lists and stepped ranges',
      { minute: '7,37', hour: '1-23/4', day_of_week: 'sat-sun' },
      (d) =>
        [7, 37].includes(d.getUTCMinutes()) &&
        [1, 5, 9, 13, 17, 21].includes(d.getUTCHours()) &&
        [0, 6].includes(d.getUTCDay()),
    ],
    [
      'days of the month in December and January',
      { minute: '30', hour: '12', day: '1-10/3,22,31', month: 'dec,jan' },
      (d) =>
        d.getUTCMinutes() === 30 &&
        d.getUTCHours() === 12 &&
        [1, 4, 7, 10, 22, 31].includes(d.getUTCDate()) &&
        [0, 11].includes(d.getUTCMonth()),
    ],
  ];

  it.each(cases)('%s', (_name, partial, matches) => {
    const after = new Date('2026-12-22T00:00:00Z');
    const until = new Date('2027-01-02T00:00:00Z');
    const expected: string[] = [];
    for (let t = after.getTime() + 60_000; t <= until.getTime(); t += 60_000) {
      if (matches(new Date(t))) expected.push(new Date(t).toISOString().replace('.000Z', 'Z'));
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(iso(schedule(partial).firesBetween(after, until, 100_000))).toEqual(expected);
  });
});

describe('CronSchedule.firesBetween', () => {
  const hourly = () => schedule({ minute: '0' });

  it('gives the fires in (after, until], oldest first', () => {
    expect(iso(hourly().firesBetween(new Date('2026-11-23T10:00:00Z'), new Date('2026-11-23T13:00:00Z'), 10))).toEqual([
      '2026-11-23T11:00:00Z',
      '2026-11-23T12:00:00Z',
      '2026-11-23T13:00:00Z',
    ]);
  });

  it('stops at limit', () => {
    const after = new Date('2026-11-23T10:00:00Z');
    expect(iso(hourly().firesBetween(after, new Date('2027-11-23T10:00:00Z'), 2))).toEqual([
      '2026-11-23T11:00:00Z',
      '2026-11-23T12:00:00Z',
    ]);
    expect(hourly().firesBetween(after, new Date('2027-11-23T10:00:00Z'), 0)).toEqual([]);
  });

  it('agrees with chained nextAfter', () => {
    const often = schedule({ second: '*/7', minute: '*/3' }, 'America/New_York');
    const after = new Date('2026-11-23T10:00:00Z');
    const chained: (Date | null)[] = [];
    let cursor: Date | null = after;
    for (let i = 0; i < 50 && cursor; i++) chained.push((cursor = often.nextAfter(cursor)));
    expect(iso(often.firesBetween(after, new Date('2027-01-01T00:00:00Z'), 50))).toEqual(iso(chained));
  });

  it('is empty when until is not after after', () => {
    const at = new Date('2026-11-23T10:00:00Z');
    expect(hourly().firesBetween(at, at, 10)).toEqual([]);
    expect(hourly().firesBetween(at, new Date('2026-11-23T09:00:00Z'), 10)).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN])('refuses limit %p', (limit) => {
    const at = new Date('2026-11-23T10:00:00Z');
    expect(() => hourly().firesBetween(at, at, limit)).toThrow(RangeError);
  });
});

describe('daylight saving time (as Debian cron)', () => {
  describe('Europe/Berlin 2026', () => {
    it('runs a fixed time in the skipped hour right after the jump (29 March 02:00 → 03:00)', () => {
      expect(
        fires({ minute: '30', hour: '2' }, 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-31T00:00:00Z'),
      ).toEqual([
        '2026-03-29T01:00:00Z', // 03:00 CEST
        '2026-03-30T00:30:00Z', // 02:30 CEST
      ]);
    });

    it('runs a fixed time in the repeated hour once (25 October 03:00 → 02:00)', () => {
      expect(
        fires({ minute: '30', hour: '2' }, 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-27T00:00:00Z'),
      ).toEqual([
        '2026-10-25T00:30:00Z', // 02:30 CEST, not again at 02:30 CET
        '2026-10-26T01:30:00Z', // 02:30 CET
      ]);
    });

    it('keeps wildcard hours in real time across both transitions', () => {
      expect(fires({ minute: '*/30' }, 'Europe/Berlin', '2026-03-29T00:00:00Z', '2026-03-29T02:00:00Z')).toEqual([
        '2026-03-29T00:30:00Z', // 01:30 CET
        '2026-03-29T01:00:00Z', // 03:00 CEST
        '2026-03-29T01:30:00Z',
        '2026-03-29T02:00:00Z',
      ]);
      expect(fires({ minute: '0' }, 'Europe/Berlin', '2026-10-24T23:30:00Z', '2026-10-25T03:00:00Z')).toEqual([
        '2026-10-25T00:00:00Z', // 02:00 CEST
        '2026-10-25T01:00:00Z', // 02:00 CET
        '2026-10-25T02:00:00Z',
        '2026-10-25T03:00:00Z',
      ]);
    });
  });

  describe('America/New_York 2026', () => {
    it('runs a fixed time in the skipped hour right after the jump (8 March 02:00 → 03:00)', () => {
      expect(
        fires({ minute: '30', hour: '2' }, 'America/New_York', '2026-03-07T12:00:00Z', '2026-03-10T00:00:00Z'),
      ).toEqual([
        '2026-03-08T07:00:00Z', // 03:00 EDT
        '2026-03-09T06:30:00Z', // 02:30 EDT
      ]);
    });

    it('runs a fixed time in the repeated hour once (1 November 02:00 → 01:00)', () => {
      expect(
        fires({ minute: '30', hour: '1' }, 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-03T00:00:00Z'),
      ).toEqual([
        '2026-11-01T05:30:00Z', // 01:30 EDT, not again at 01:30 EST
        '2026-11-02T06:30:00Z', // 01:30 EST
      ]);
    });

    it('keeps firing every real 30 minutes through the repeated hour', () => {
      expect(fires({ minute: '*/30' }, 'America/New_York', '2026-11-01T04:10:00Z', '2026-11-01T07:00:00Z')).toEqual([
        '2026-11-01T04:30:00Z',
        '2026-11-01T05:00:00Z', // 01:00 EDT
        '2026-11-01T05:30:00Z',
        '2026-11-01T06:00:00Z', // 01:00 EST
        '2026-11-01T06:30:00Z',
        '2026-11-01T07:00:00Z',
      ]);
    });

    it('keeps firing every real 30 minutes across the skipped hour', () => {
      expect(fires({ minute: '*/30' }, 'America/New_York', '2026-03-08T06:00:00Z', '2026-03-08T08:00:00Z')).toEqual([
        '2026-03-08T06:30:00Z', // 01:30 EST
        '2026-03-08T07:00:00Z', // 03:00 EDT
        '2026-03-08T07:30:00Z',
        '2026-03-08T08:00:00Z',
      ]);
    });

    it('gives the second 01:30 when asked from inside the repeated hour (as the library does)', () => {
      const atOneThirty = schedule({ minute: '30', hour: '1' }, 'America/New_York');
      expect(iso([atOneThirty.nextAfter(new Date('2026-11-01T06:10:00Z'))])).toEqual(['2026-11-01T06:30:00Z']);
    });
  });

  describe('Australia/Sydney 2026 (1 January is summer time)', () => {
    it('never answers before the time given inside the second pass of the repeated hour (5 April 03:00 → 02:00)', () => {
      const halfHourly = schedule({ minute: '*/30' }, 'Australia/Sydney');
      const inSecondPass = new Date('2026-04-04T16:10:00Z'); // 02:10 AEST
      // The library alone answers 02:30 AEDT, which is already past:
      expect(halfHourly.cronTime.getNextDateFrom(inSecondPass, 'Australia/Sydney').toUTC().toISO()).toBe(
        '2026-04-04T15:30:00.000Z',
      );
      expect(iso([halfHourly.nextAfter(inSecondPass)])).toEqual(['2026-04-04T16:30:00Z']);
      expect(fires({ minute: '*/30' }, 'Australia/Sydney', '2026-04-04T14:10:00Z', '2026-04-04T17:00:00Z')).toEqual([
        '2026-04-04T14:30:00Z',
        '2026-04-04T15:00:00Z', // 02:00 AEDT
        '2026-04-04T15:30:00Z',
        '2026-04-04T16:00:00Z', // 02:00 AEST
        '2026-04-04T16:30:00Z',
        '2026-04-04T17:00:00Z',
      ]);
      expect(
        fires({ minute: '30', hour: '2' }, 'Australia/Sydney', '2026-04-04T12:00:00Z', '2026-04-06T00:00:00Z'),
      ).toEqual([
        '2026-04-04T15:30:00Z', // once
        '2026-04-05T16:30:00Z',
      ]);
    });

    it('moves a fixed time in the skipped hour by the gap, as the library does (4 October 02:15 → 03:15)', () => {
      expect(
        fires({ minute: '15', hour: '2' }, 'Australia/Sydney', '2026-10-03T12:00:00Z', '2026-10-05T00:00:00Z'),
      ).toEqual([
        '2026-10-03T16:15:00Z', // 03:15 AEDT (Debian cron would run it at 03:00)
        '2026-10-04T15:15:00Z',
      ]);
    });
  });

  it('always answers strictly after the time given around the 2026 transitions', () => {
    const transitions: [string, string[]][] = [
      ['America/New_York', ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z']],
      ['Europe/Berlin', ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z']],
      ['Australia/Sydney', ['2026-04-04T16:00:00Z', '2026-10-03T16:00:00Z']],
      ['Australia/Lord_Howe', ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z']],
    ];
    const expressions: Partial<CronFields>[] = [
      { minute: '30', hour: '2' },
      { minute: '59', hour: '1' },
      { minute: '*/30' },
      { minute: '0' },
      { minute: '*' },
      { second: '30', minute: '45', hour: '2' },
    ];
    const failures: string[] = [];
    for (const [zone, instants] of transitions) {
      for (const partial of expressions) {
        const scheduled = schedule(partial, zone);
        for (const instant of instants) {
          const center = Date.parse(instant);
          for (let t = center - 3 * 3_600_000; t < center + 3 * 3_600_000; t += 13 * 60_000 + 1_000) {
            const next = scheduled.nextAfter(new Date(t));
            if (
              next === null ||
              next.getTime() <= t ||
              next.getTime() > t + 26 * 3_600_000 ||
              next.getTime() % 1000 !== 0
            ) {
              failures.push(
                `${zone} ${scheduled.expression} after ${new Date(t).toISOString()}: ${next?.toISOString()}`,
              );
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
