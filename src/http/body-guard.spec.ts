import { BadRequestException } from '@nestjs/common';
import { assertAcceptableBody, bodyProblem, MAX_BODY_DEPTH } from './body-guard.js';

const reserved = (path: string) =>
  `${path} is not accepted: __proto__, constructor and prototype are reserved names, at any depth`;

/** `levels` arrays inside one another. */
const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('bodyProblem', () => {
  it.each([
    ['{"constructor":"x"}', 'constructor'],
    ['{"__proto__":{"a":1}}', '__proto__'],
    ['{"prototype":null}', 'prototype'],
    ['{"a":{"b":[0,{"constructor":{}}]}}', 'a.b[1].constructor'],
    ['[{"x":[{"__proto__":1}]}]', '[0].x[0].__proto__'],
    ['{"a b":{"prototype":1}}', '["a b"].prototype'],
    ['{"a":{"constructor":{"prototype":{}}}}', 'a.constructor'],
  ])('names the reserved key of %s', (json, path) => {
    expect(bodyProblem(JSON.parse(json))).toBe(reserved(path));
  });

  it('looks at an object’s own keys before its children, and at siblings in order', () => {
    expect(bodyProblem(JSON.parse('{"a":{"constructor":1},"prototype":1}'))).toBe(reserved('prototype'));
    expect(bodyProblem(JSON.parse('{"a":[{"constructor":1}],"b":{"__proto__":1}}'))).toBe(reserved('a[0].constructor'));
  });

  it.each([null, 'text', 42, true, {}, [], { name: 'x', pub_args: [1, 'a', { Constructor: 1, protos: [] }] }])(
    'accepts %j',
    (body) => {
      expect(bodyProblem(body)).toBeUndefined();
    },
  );

  it(`accepts ${MAX_BODY_DEPTH} levels of nesting and refuses one more`, () => {
    expect(bodyProblem(nested(MAX_BODY_DEPTH))).toBeUndefined();
    expect(bodyProblem({ a: nested(MAX_BODY_DEPTH - 1) })).toBeUndefined();
    expect(bodyProblem(nested(MAX_BODY_DEPTH + 1))).toBe(`the body is nested deeper than ${MAX_BODY_DEPTH} levels`);
    expect(bodyProblem({ a: nested(MAX_BODY_DEPTH) })).toBe(`the body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  });

  it('walks a body nested far deeper than the call stack allows', () => {
    expect(bodyProblem(nested(200_000))).toBe(`the body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  });
});

describe('assertAcceptableBody', () => {
  it('throws a 400 with the problem as its message list', () => {
    expect(() => assertAcceptableBody({ constructor: 'x' })).toThrow(
      new BadRequestException([reserved('constructor')]),
    );
    expect(() => assertAcceptableBody({ fine: true })).not.toThrow();
  });
});
