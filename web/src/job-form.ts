import type { Schemas } from './api/client';

type Argument = Schemas['JobArgumentResponse'];

/** An argument's value as text in the form: strings as they are, everything else as JSON. */
export function asText(value: unknown, type: Argument['type']): string {
  if (value === undefined) return '';
  return type === 'string' && typeof value === 'string' ? value : JSON.stringify(value);
}

/** The form's text of an argument back to its JSON value, or a message saying why it is not one. */
export function parseArgument(text: string, type: Argument['type']): { value: unknown } | { problem: string } {
  if (type === 'string') return { value: text };
  if (type === 'number' || type === 'integer') {
    const number = Number(text);
    if (text.trim() === '' || Number.isNaN(number)) return { problem: 'must be a number' };
    if (type === 'integer' && !Number.isInteger(number)) return { problem: 'must be a whole number' };
    return { value: number };
  }
  if (type === 'boolean') return { value: text === 'true' };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { problem: 'must be JSON (a string needs quotes)' };
  }
}

export const isOptional = (argument: Argument): boolean => /\(optional/.test(argument.description);
export const isVariadic = (argument: Argument): boolean => /any number/.test(argument.description);
export const argumentName = (argument: Argument): string => argument.description.split(/[\s:(]/)[0];

/** The field a 400 message names (`hour: ...`, `pub_args[1] (...) ...`, `name must ...`), if any. */
export function fieldOf(message: string): string | null {
  const match = /^(pub_args\[\d+\]|[a-z_]+\b)/.exec(message);
  return match ? match[1] : null;
}
