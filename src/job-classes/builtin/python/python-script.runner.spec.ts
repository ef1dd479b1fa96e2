import { PythonInterpreter } from '../../../sandbox/python-interpreter.js';
import { sandboxConfig, sandboxForTests, workingSandbox } from '../../../sandbox/sandbox.testing.js';
import { JobFailedError, type JobRunContext } from '../../job-class.types.js';
import type { PythonFailure } from './python-outcome.js';
import { PythonScriptRunner } from './python-script.runner.js';

const RANGE = { first: 1914000000, last: 1914000999 };

function contextWith(signal: AbortSignal = new AbortController().signal): JobRunContext {
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  return { executionId: 'e1', jobId: 'j1', ownerId: 'o1', signal, logger: quiet, outputMaxBytes: 65536 };
}

async function failureOf(promise: Promise<unknown>): Promise<{ message: string; result: PythonFailure }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JobFailedError) return { message: error.message, result: error.result as PythonFailure };
    throw error;
  }
  throw new Error('expected the run to fail');
}

describe('PythonScriptRunner (real python3 in the real sandbox)', () => {
  const config = sandboxConfig({ uidRange: RANGE }, { resultMaxBytes: 4096 });
  const python = new PythonInterpreter(config);
  const sandbox = sandboxForTests(config, python);
  const runner = new PythonScriptRunner(sandbox, python, config);
  const run = (source: string, args: unknown[] = [], context = contextWith()): Promise<unknown> =>
    runner.run(source, args, context);

  beforeAll(async () => {
    const found = await python.availability();
    if (!found.available) throw new Error(`This test needs python3 on the server: ${found.reason}`);
    await workingSandbox(config);
  });

  it('calls run(*args) and returns its value', async () => {
    await expect(run('def run(a, b):\n    return {"sum": a + b}\n', [1, 2])).resolves.toEqual({ sum: 3 });
  });

  it('awaits an async def run', async () => {
    const source = 'import asyncio\n\nasync def run(*args):\n    await asyncio.sleep(0.01)\n    return list(args)\n';
    await expect(run(source, ['a', { b: [1, null] }, true])).resolves.toEqual(['a', { b: [1, null] }, true]);
  });

  it('gives undefined (result null) for None', async () => {
    await expect(run('def run():\n    print("hi")\n')).resolves.toBeUndefined();
  });

  it('fails with the traceback, stdout and stderr when run raises', async () => {
    const source =
      'import sys\n\ndef run():\n    print("before")\n    print("warn", file=sys.stderr)\n    raise ValueError("bad value")\n';
    const { message, result } = await failureOf(run(source));
    expect(message).toBe('The script raised ValueError: bad value');
    expect(result.error).toBe('ValueError: bad value');
    expect(result.traceback).toContain('Traceback (most recent call last)');
    expect(result.traceback).toContain('/job/script.py", line 6, in run');
    expect(result.stdout).toBe('before\n');
    expect(result.stderr).toBe('warn\n');
  });

  it('fails, saying so, for a value json.dumps refuses (a set, NaN)', async () => {
    const set = await failureOf(run('def run():\n    return {1, 2}\n'));
    expect(set.message).toMatch(/not JSON-serialisable.*Object of type set is not JSON serializable/);
    const nan = await failureOf(run('def run():\n    return float("nan")\n'));
    expect(nan.result.error).toMatch(/^not JSON-serialisable: ValueError/);
  });

  it('reports a module that raises on import, and one without run', async () => {
    const broken = await failureOf(run('raise ImportError("nope")\ndef run():\n    pass\n'));
    expect(broken.message).toBe('The script could not be imported: ImportError: nope');
    expect(broken.result.traceback).toContain('ImportError: nope');
    const none = await failureOf(run('run = 5\n'));
    expect(none.result.error).toBe('no run function');
  });

  it('cuts a result past RESULT_MAX_BYTES in the {truncated, bytes, head} shape', async () => {
    const value = (await run('def run():\n    return "x" * 10000\n')) as {
      truncated: boolean;
      bytes: number;
      head: string;
    };
    expect(value.truncated).toBe(true);
    expect(value.bytes).toBe(10002);
    expect(JSON.stringify(value).length).toBeLessThanOrEqual(4096);
  });

  it('cannot forge the report: closing or writing to fd 3 does not reach the server', async () => {
    const source =
      'import os\n\ndef run():\n    try:\n        os.write(3, b"{}")\n    except OSError as error:\n        return str(error)\n';
    await expect(run(source)).resolves.toBe('[Errno 9] Bad file descriptor');
  });

  it('stops an endless loop when the signal is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('timed out')), 300);
    const started = Date.now();
    const { message } = await failureOf(
      run('def run():\n    while True:\n        pass\n', [], contextWith(controller.signal)),
    );
    expect(message).toBe('ScriptJob was stopped: timed out');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
