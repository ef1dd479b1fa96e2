/** File names ScriptJob writes into the work dir. */
export const SCRIPT_FILES = {
  runner: 'runner.mjs',
  script: 'script.mjs',
  /** `{"args": [...], "resultMaxBytes": N}`: a file, not argv, so no size limit of the command line applies. */
  input: 'args.json',
} as const;

/** The runner reports on this file descriptor (a pipe to the server), never through a file the server reads back. */
export const REPORT_FD = 3;

/** Longest error message and stack the runner reports (each), in characters. */
export const REPORT_TEXT_MAX = 8192;

/**
 * What the runner writes to fd 3, once, as JSON, before it exits:
 * `{"kind":"returned","value":<the value, or {truncated,bytes,head} past resultMaxBytes>}`,
 * `{"kind":"threw","error":{"name","message","stack"?},"uncaught"?:true}`,
 * `{"kind":"unserialisable","message"}`, `{"kind":"not-loaded","error":{...}}` or `{"kind":"no-run"}`.
 * Nothing at all means the process ended before (process.exit, a signal, V8 out of memory).
 */
export type RunnerReport =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: ReportedError; uncaught?: boolean }
  | { kind: 'unserialisable'; message: string }
  | { kind: 'not-loaded'; error: ReportedError }
  | { kind: 'no-run' };

export interface ReportedError {
  name: string;
  message: string;
  stack?: string;
}

/**
 * The runner (`runner.mjs`): loads `script.mjs` from its own folder (`/job`, read-only), calls `run(...args)`, and reports
 * how that went on fd 3. It keeps its own references to what it needs before loading the script, so a
 * script that replaces `JSON.stringify` or `process.exit` cannot make it hang. A value past
 * resultMaxBytes is cut here, in the child, in the same `{truncated, bytes, head}` shape the execution
 * record uses, so the server never parses more than that.
 */
export const SCRIPT_RUNNER_SOURCE = `// Cronwarden ScriptJob runner: written by the server, not part of your script.
import { readFileSync, writeSync } from 'node:fs';

const stringify = JSON.stringify;
const parse = JSON.parse;
const exit = process.exit.bind(process);
const byteLength = Buffer.byteLength;
const TEXT_MAX = ${REPORT_TEXT_MAX};

function send(text) {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(${REPORT_FD}, bytes, offset, bytes.length - offset);
}

function finish(report) {
  send(stringify(report));
  exit(0);
}

function cut(text) {
  return text.length > TEXT_MAX ? text.slice(0, TEXT_MAX) + '... [cut]' : text;
}

function describe(error) {
  try {
    if (error instanceof Error) {
      const described = { name: cut(String(error.name)), message: cut(String(error.message)) };
      if (typeof error.stack === 'string') described.stack = cut(error.stack);
      return described;
    }
    return { name: typeof error, message: cut(String(error)) };
  } catch {
    return { name: 'Error', message: 'a value that cannot be turned into text was thrown' };
  }
}

function fit(json, maxBytes) {
  const bytes = byteLength(json, 'utf8');
  if (bytes <= maxBytes) return json;
  let keep = maxBytes - 128;
  for (;;) {
    let head = json.slice(0, Math.max(0, keep));
    if (/[\\uD800-\\uDBFF]$/.test(head)) head = head.slice(0, -1);
    const text = stringify({ truncated: true, bytes, head });
    const over = byteLength(text, 'utf8') - maxBytes;
    if (over <= 0 || keep <= 0) return text;
    keep -= over;
  }
}

// No SIGTERM handler here: the runner is PID 1 of its sandbox, so a stop kills it at once unless the
// script handles SIGTERM itself (then SIGKILL follows 2 s later). Node catches SIGTERM from its start
// (to restore the terminal, then it re-raises the signal, which a namespace's PID 1 ignores), so the
// sandbox would always see a handler and wait: one listener added and removed leaves SIGTERM at its
// default (libuv resets it), and only the script's own listener catches it again.
const noop = () => undefined;
process.on('SIGTERM', noop).off('SIGTERM', noop);
process.on('uncaughtException', (error) => finish({ kind: 'threw', error: describe(error), uncaught: true }));


const input = parse(readFileSync(new URL('./${SCRIPT_FILES.input}', import.meta.url), 'utf8'));
let script;
try {
  script = await import('./${SCRIPT_FILES.script}');
} catch (error) {
  finish({ kind: 'not-loaded', error: describe(error) });
}
if (typeof script.run !== 'function') finish({ kind: 'no-run' });
let value;
try {
  value = await script.run(...input.args);
} catch (error) {
  finish({ kind: 'threw', error: describe(error) });
}
// undefined: no value at all, so the execution's result is null (not the JSON text "null").
if (value === undefined) {
  send('{"kind":"returned"}');
  exit(0);
}
let json;
try {
  json = stringify(value);
} catch (error) {
  finish({ kind: 'unserialisable', message: describe(error).message });
}
if (json === undefined) finish({ kind: 'unserialisable', message: 'a ' + typeof value + ' is not a JSON value' });
send('{"kind":"returned","value":' + fit(json, input.resultMaxBytes) + '}');
exit(0);
`;
