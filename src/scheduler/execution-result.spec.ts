import path from 'node:path';
import { JobFailedError } from '../job-classes/job-class.types.js';
import { failed, resultText, succeeded, withoutServerPaths } from './execution-result.js';

describe('execution results', () => {
  it('stores the return value as JSON text, and undefined as null', () => {
    expect(resultText({ message: 'hi' }, 1024)).toBe('{"message":"hi"}');
    expect(resultText(undefined, 1024)).toBeNull();
    expect(resultText(null, 1024)).toBe('null');
  });

  it('replaces a result over the limit by a JSON object that says so and keeps the start', () => {
    const text = resultText({ data: 'x'.repeat(5000) }, 1024)!;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024 + 64);
    const parsed = JSON.parse(text) as { truncated: boolean; bytes: number; head: string };
    expect(parsed).toMatchObject({ truncated: true, bytes: 5011 });
    expect(parsed.head.startsWith('{"data":"xxx')).toBe(true);
  });

  it('turns a value that cannot be serialised into a failure that says so', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(succeeded(circular, 1024)).toMatchObject({
      state: 'failed',
      description: expect.stringContaining('not JSON-serialisable'),
    });
    expect(succeeded(10n, 1024).state).toBe('failed');
  });

  it('keeps the result of a JobFailedError (a script keeps its own stack)', () => {
    expect(failed(new JobFailedError('exit 3', { returncode: 3 }), 1024)).toEqual({
      state: 'failed',
      result: '{"returncode":3}',
      description: 'exit 3',
    });
    const script = { error: 'Error: mine', stack: 'Error: mine\n    at run (file:///tmp/work/script.mjs:1:7)' };
    expect(JSON.parse(failed(new JobFailedError('threw', script), 1024).result!)).toEqual(script);
  });

  it('keeps only the message of any other error: no stack, no server path', () => {
    const other = failed(new Error('boom'), 4096);
    expect(other).toEqual({ state: 'failed', result: '{"error":"boom"}', description: 'boom' });
    expect(new Error('boom').stack).toContain(import.meta.dirname); // what would have leaked

    const root = path.resolve(import.meta.dirname, '..', '..');
    const leaky = failed(new Error(`Cannot find module '${root}/dist/src/x.js'`), 4096);
    expect(leaky.description).toBe("Cannot find module '<app>/dist/src/x.js'");
    expect(leaky.result).not.toContain(root);
    expect(failed('a string', 4096).result).toBe('{"error":"a string"}');
  });

  it('takes the install folder out of a text', () => {
    expect(withoutServerPaths('at /srv/cw/dist/src/a.js:1 and /srv/cw/node_modules/b.js', '/srv/cw')).toBe(
      'at <app>/dist/src/a.js:1 and <app>/node_modules/b.js',
    );
    expect(withoutServerPaths('/bin/echo failed', '/srv/cw')).toBe('/bin/echo failed');
  });
});
