import { BadRequestException } from '@nestjs/common';

/**
 * Keys a request body may not hold at any depth. `__proto__` and `constructor.prototype` are the
 * prototype-pollution keys; a bare `constructor` crashes class-transformer, which takes the
 * `constructor` property of a nested plain object for its class (a string or an object is no class).
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deepest nesting of objects and arrays a body may have: class-transformer and class-validator
 * recurse, and overflow the call stack some thousands of levels down (a 500).
 */
export const MAX_BODY_DEPTH = 100;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

interface Node {
  value: unknown;
  path: string;
  depth: number;
}

/**
 * What is wrong with a request body, or `undefined`: a reserved key (named by its path, such as
 * `pub_args[0].constructor`; an object's own keys are looked at before its children), or nesting
 * deeper than {@link MAX_BODY_DEPTH}. Walks with its own stack, so no body can overflow the call stack.
 */
export function bodyProblem(value: unknown): string | undefined {
  const pending: Node[] = [{ value, path: '', depth: 0 }];
  while (pending.length > 0) {
    const { value: current, path, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_BODY_DEPTH) return `the body is nested deeper than ${MAX_BODY_DEPTH} levels`;
    const children: Node[] = [];
    if (Array.isArray(current)) {
      current.forEach((item, index) => children.push({ value: item, path: childPath(path, index), depth: depth + 1 }));
    } else {
      for (const key of Object.keys(current)) {
        const keyPath = childPath(path, key);
        if (RESERVED_KEYS.has(key)) {
          return `${keyPath} is not accepted: __proto__, constructor and prototype are reserved names, at any depth`;
        }
        children.push({ value: (current as Record<string, unknown>)[key], path: keyPath, depth: depth + 1 });
      }
    }
    // Reversed onto the stack, so that siblings are looked into in document order.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return undefined;
}

/** 400 saying what is wrong with a request body (see {@link bodyProblem}). */
export function assertAcceptableBody(body: unknown): void {
  const problem = bodyProblem(body);
  if (problem !== undefined) throw new BadRequestException([problem]);
}
