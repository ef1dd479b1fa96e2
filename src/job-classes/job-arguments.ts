import type { JobArgumentSpec, JobArgumentType, JobClassMeta } from './job-class.types.js';

/** The argument's name: the first word of its description (`sleep_seconds (optional, ...)` → `sleep_seconds`). */
export function argumentName(spec: JobArgumentSpec): string {
  return /^[A-Za-z_][A-Za-z0-9_]*/.exec(spec.description)?.[0] ?? 'value';
}

const TYPE_WORDING: Record<JobArgumentType, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  any: 'any JSON value',
};

function hasType(value: unknown, type: JobArgumentType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'any':
      return true;
  }
}

function plural(count: number): string {
  return count === 1 ? 'value' : 'values';
}

/** `pub_args[1] (sleep_seconds)`: how messages point at one value. */
export function argumentLabel(meta: JobClassMeta, index: number): string {
  const specs = meta.arguments;
  const spec = specs[Math.min(index, specs.length - 1)];
  return spec ? `pub_args[${index}] (${argumentName(spec)})` : `pub_args[${index}]`;
}

/**
 * Checks `pubArgs` against the declared arguments (count and JSON types): null when they fit, else a
 * message for a 400 that names the field, e.g. `pub_args[1] (sleep_seconds) must be a number`.
 */
export function argumentProblem(meta: JobClassMeta, pubArgs: unknown): string | null {
  if (!Array.isArray(pubArgs)) return 'pub_args must be an array';
  const values: readonly unknown[] = pubArgs;
  const specs = meta.arguments;
  const required = specs.filter((spec) => !spec.optional);
  if (values.length < required.length) {
    return `pub_args needs at least ${required.length} ${plural(required.length)} (${required.map(argumentName).join(', ')})`;
  }
  const variadic = specs.at(-1)?.variadic === true;
  if (!variadic && values.length > specs.length) {
    return specs.length === 0
      ? 'pub_args takes no values'
      : `pub_args takes at most ${specs.length} ${plural(specs.length)}`;
  }
  for (const [index, value] of values.entries()) {
    const spec = specs[Math.min(index, specs.length - 1)];
    if (spec && !hasType(value, spec.type)) return `${argumentLabel(meta, index)} must be ${TYPE_WORDING[spec.type]}`;
  }
  return null;
}

/** What is wrong with a class's own declaration (a programming error, refused at start), or null. */
export function declarationProblem(meta: JobClassMeta): string | null {
  const specs = meta.arguments;
  for (const [index, spec] of specs.entries()) {
    if (spec.variadic && index !== specs.length - 1) return `only the last argument can be variadic`;
    if (spec.optional && specs.slice(index + 1).some((later) => !later.optional)) {
      return `a required argument follows the optional ${argumentName(spec)}`;
    }
  }
  const names = specs.map(argumentName);
  if (new Set(names).size !== names.length) return `two arguments share a name (${names.join(', ')})`;
  const example = argumentProblem(meta, meta.exampleArguments);
  return example ? `its example arguments do not fit: ${example}` : null;
}
