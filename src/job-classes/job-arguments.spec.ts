import { argumentName, argumentProblem, declarationProblem } from './job-arguments.js';
import type { JobArgumentSpec, JobClassMeta } from './job-class.types.js';

function meta(args: JobArgumentSpec[], exampleArguments: unknown[] = []): JobClassMeta {
  return { jobClassString: 'TestJob', name: 'Test', notes: '', arguments: args, exampleArguments };
}

const SAMPLE_LIKE = meta([
  { type: 'string', description: 'message: returned' },
  { type: 'number', description: 'sleep_seconds (optional, default 0): wait', optional: true },
  { type: 'boolean', description: 'fail (optional): fail', optional: true },
]);

const SHELL_LIKE = meta([
  { type: 'string', description: 'executable: the program' },
  { type: 'string', description: 'args (optional, any number): passed on', optional: true, variadic: true },
]);

describe('argumentName', () => {
  it('is the first word of the description', () => {
    expect(argumentName({ type: 'number', description: 'sleep_seconds (optional, default 0): wait' })).toBe(
      'sleep_seconds',
    );
    expect(argumentName({ type: 'any', description: '(nameless)' })).toBe('value');
  });
});

describe('argumentProblem', () => {
  it('accepts arguments that fit, with or without the optional ones', () => {
    expect(argumentProblem(SAMPLE_LIKE, ['hi'])).toBeNull();
    expect(argumentProblem(SAMPLE_LIKE, ['hi', 1.5])).toBeNull();
    expect(argumentProblem(SAMPLE_LIKE, ['hi', 0, true])).toBeNull();
  });

  it('requires an array', () => {
    for (const value of [undefined, null, 'hi', { 0: 'hi' }, 3]) {
      expect(argumentProblem(SAMPLE_LIKE, value)).toBe('pub_args must be an array');
    }
  });

  it('names the required arguments when some are missing', () => {
    expect(argumentProblem(SAMPLE_LIKE, [])).toBe('pub_args needs at least 1 value (message)');
    const two = meta([
      { type: 'string', description: 'url: where' },
      { type: 'string', description: 'method: how' },
    ]);
    expect(argumentProblem(two, ['x'])).toBe('pub_args needs at least 2 values (url, method)');
  });

  it('refuses more values than declared', () => {
    expect(argumentProblem(SAMPLE_LIKE, ['hi', 0, false, 'extra'])).toBe('pub_args takes at most 3 values');
    expect(argumentProblem(meta([{ type: 'any', description: 'x: y' }]), [1, 2])).toBe(
      'pub_args takes at most 1 value',
    );
    expect(argumentProblem(meta([]), [1])).toBe('pub_args takes no values');
    expect(argumentProblem(meta([]), [])).toBeNull();
  });

  it('names the index and the argument of a value of the wrong type', () => {
    expect(argumentProblem(SAMPLE_LIKE, [1])).toBe('pub_args[0] (message) must be a string');
    expect(argumentProblem(SAMPLE_LIKE, ['hi', '5'])).toBe('pub_args[1] (sleep_seconds) must be a number');
    expect(argumentProblem(SAMPLE_LIKE, ['hi', 0, 'yes'])).toBe('pub_args[2] (fail) must be a boolean');
  });

  it('does not take null for an optional argument', () => {
    expect(argumentProblem(SAMPLE_LIKE, ['hi', null])).toBe('pub_args[1] (sleep_seconds) must be a number');
  });

  it.each([
    ['number', 1.5, true],
    ['number', -2, true],
    ['number', Number.NaN, false],
    ['number', Number.POSITIVE_INFINITY, false],
    ['number', '1', false],
    ['integer', 3, true],
    ['integer', -3, true],
    ['integer', 3.5, false],
    ['integer', Number.POSITIVE_INFINITY, false],
    ['integer', '3', false],
    ['boolean', false, true],
    ['boolean', 0, false],
    ['string', '', true],
    ['string', null, false],
    ['object', { a: 1 }, true],
    ['object', {}, true],
    ['object', null, false],
    ['object', [], false],
    ['array', [], true],
    ['array', [1, 'a'], true],
    ['array', {}, false],
    ['any', null, true],
    ['any', { a: [1] }, true],
  ] as const)('type %s: %p fits = %p', (type, value, fits) => {
    const problem = argumentProblem(meta([{ type, description: 'value_x: the value' }]), [value]);
    expect(problem).toEqual(fits ? null : expect.stringMatching(/^pub_args\[0\] \(value_x\) must be an? /));
  });

  it('says which type is expected', () => {
    const cases = {
      integer: 'an integer',
      object: 'an object',
      array: 'an array',
    } as const;
    for (const [type, wording] of Object.entries(cases)) {
      const spec = meta([{ type: type as keyof typeof cases, description: 'x: y' }]);
      expect(argumentProblem(spec, ['nope'])).toBe(`pub_args[0] (x) must be ${wording}`);
    }
  });

  it('lets a trailing variadic argument take any number of values of its type', () => {
    expect(argumentProblem(SHELL_LIKE, ['/bin/echo'])).toBeNull();
    expect(argumentProblem(SHELL_LIKE, ['/bin/echo', 'a', 'b', 'c', 'd'])).toBeNull();
    expect(argumentProblem(SHELL_LIKE, ['/bin/echo', 'a', 'b', 4])).toBe('pub_args[3] (args) must be a string');
    expect(argumentProblem(SHELL_LIKE, [])).toBe('pub_args needs at least 1 value (executable)');
  });

  it('requires a variadic argument once unless it is optional', () => {
    const atLeastOne = meta([{ type: 'integer', description: 'ids: numbers', variadic: true }]);
    expect(argumentProblem(atLeastOne, [])).toBe('pub_args needs at least 1 value (ids)');
    expect(argumentProblem(atLeastOne, [1, 2, 3])).toBeNull();
  });
});

describe('declarationProblem', () => {
  it('accepts the usual shapes', () => {
    expect(declarationProblem({ ...SAMPLE_LIKE, exampleArguments: ['hi', 1] })).toBeNull();
    expect(declarationProblem({ ...SHELL_LIKE, exampleArguments: ['/bin/echo', 'hi'] })).toBeNull();
  });

  it('refuses a variadic argument that is not last, a required one after an optional one, shared names, bad examples', () => {
    expect(
      declarationProblem(
        meta([
          { type: 'string', description: 'a: x', variadic: true },
          { type: 'string', description: 'b: x' },
        ]),
      ),
    ).toBe('only the last argument can be variadic');
    expect(
      declarationProblem(
        meta([
          { type: 'string', description: 'a: x', optional: true },
          { type: 'string', description: 'b: x' },
        ]),
      ),
    ).toBe('a required argument follows the optional a');
    expect(
      declarationProblem(
        meta([
          { type: 'string', description: 'a: x' },
          { type: 'string', description: 'a: y' },
        ]),
      ),
    ).toBe('two arguments share a name (a, a)');
    expect(declarationProblem({ ...SAMPLE_LIKE, exampleArguments: [] })).toBe(
      'its example arguments do not fit: pub_args needs at least 1 value (message)',
    );
  });
});
