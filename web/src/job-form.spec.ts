import {
  argumentName,
  asText,
  fieldOf,
  fromLocalInput,
  isOptional,
  isVariadic,
  parseArgument,
  toLocalInput,
  triggerBody,
} from './job-form';

describe('the job form', () => {
  it('turns argument text into JSON values by the declared type, saying why when it cannot', () => {
    expect(parseArgument('hello', 'string')).toEqual({ value: 'hello' });
    expect(parseArgument('2.5', 'number')).toEqual({ value: 2.5 });
    expect(parseArgument('2.5', 'integer')).toEqual({ problem: 'must be a whole number' });
    expect(parseArgument('', 'number')).toEqual({ problem: 'must be a number' });
    expect(parseArgument('true', 'boolean')).toEqual({ value: true });
    expect(parseArgument('{"a": [1]}', 'object')).toEqual({ value: { a: [1] } });
    expect(parseArgument('plain words', 'any')).toEqual({ problem: 'must be JSON (a string needs quotes)' });
  });

  it('shows values as text: strings as they are, the rest as JSON', () => {
    expect(asText('hi', 'string')).toBe('hi');
    expect(asText({ a: 1 }, 'any')).toBe('{"a":1}');
    expect(asText(undefined, 'number')).toBe('');
  });

  it('reads optional and variadic arguments and their names from the catalogue descriptions', () => {
    const variadic = { type: 'string' as const, description: 'args (optional, any number): passed as they are' };
    const plain = { type: 'integer' as const, description: 'sleep_seconds (optional, default 0): seconds to wait' };
    expect([isOptional(variadic), isVariadic(variadic), argumentName(variadic)]).toEqual([true, true, 'args']);
    expect([isOptional(plain), isVariadic(plain), argumentName(plain)]).toEqual([true, false, 'sleep_seconds']);
  });

  it('finds the field a 400 message names', () => {
    expect(fieldOf('hour: 25 is not a valid hour')).toBe('hour');
    expect(fieldOf('pub_args[1] (sleep_seconds) must be an integer')).toBe('pub_args[1]');
    expect(fieldOf('name must not be empty')).toBe('name');
    expect(fieldOf('Unknown job class NoSuchJob')).toBeNull();
  });
});

describe('trigger fields of the job form', () => {
  it('round-trips an instant through a datetime-local value', () => {
    const iso = '2026-12-08T09:00:05.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(toLocalInput(null)).toBe('');
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('not a date')).toBeNull();
  });

  it('sends only the fields of the chosen trigger', () => {
    const form = { trigger: 'cron' as const, intervalSeconds: 60, runDate: '', startDate: '', endDate: '' };
    expect(triggerBody(form)).toEqual({ trigger: 'cron', start_date: null, end_date: null });
    expect(triggerBody({ ...form, trigger: 'interval' })).toEqual({
      trigger: 'interval',
      interval_seconds: 60,
      start_date: null,
      end_date: null,
    });
    const runDate = toLocalInput('2030-01-01T00:00:00.000Z');
    expect(triggerBody({ ...form, trigger: 'date', runDate })).toEqual({
      trigger: 'date',
      run_date: '2030-01-01T00:00:00.000Z',
    });
    // A date job's unchanged run_date is not sent again (a past one would be refused).
    expect(triggerBody({ ...form, trigger: 'date', runDate }, '2030-01-01T00:00:00.000Z')).toEqual({ trigger: 'date' });
  });
});
