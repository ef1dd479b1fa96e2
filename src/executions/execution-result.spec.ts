import { JobFailedError } from '../job-classes/job-class.types.js';
import { failed, resultText, succeeded } from './execution-result.js';

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

  it('keeps the result of a JobFailedError and the message and stack of any other error', () => {
    expect(failed(new JobFailedError('exit 3', { returncode: 3 }), 1024)).toEqual({
      state: 'failed',
      result: '{"returncode":3}',
      description: 'exit 3',
    });
    const other = failed(new Error('boom'), 4096);
    expect(other.description).toBe('boom');
    expect(JSON.parse(other.result!)).toMatchObject({ error: 'boom', stack: expect.stringContaining('Error: boom') });
  });
});
