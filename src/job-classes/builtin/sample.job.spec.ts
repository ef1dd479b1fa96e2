import type { JobRunContext } from '../job-class.types.js';
import { SampleJob } from './sample.job.js';

function contextWith(signal: AbortSignal = new AbortController().signal): JobRunContext {
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  return { executionId: 'e1', jobId: 'j1', ownerId: 'u1', signal, logger: quiet, outputMaxBytes: 65536 };
}

describe('SampleJob', () => {
  const job = new SampleJob();

  it('returns the message', async () => {
    await expect(job.run(['hello'], contextWith())).resolves.toEqual({ message: 'hello' });
  });

  it('fails on request, with the documented error', async () => {
    await expect(job.run(['hello', 0, true], contextWith())).rejects.toThrow(new Error('SampleJob failed on request'));
  });

  it('waits sleep_seconds first', async () => {
    const started = Date.now();
    await expect(job.run(['late', 0.2, false], contextWith())).resolves.toEqual({ message: 'late' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('fails after the wait, not before it', async () => {
    const started = Date.now();
    await expect(job.run(['late', 0.1, true], contextWith())).rejects.toThrow('SampleJob failed on request');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('stops waiting when aborted, rejecting with the reason', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped on request');
    const started = Date.now();
    const run = job.run(['slow', 30], contextWith(controller.signal));
    setTimeout(() => controller.abort(reason), 50);
    await expect(run).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not start waiting when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('timed out'));
    await expect(job.run(['slow', 30], contextWith(controller.signal))).rejects.toThrow('timed out');
  });

  it('refuses arguments that do not fit, naming the field', async () => {
    await expect(job.run([], contextWith())).rejects.toThrow('pub_args needs at least 1 value (message)');
    await expect(job.run(['x', -1], contextWith())).rejects.toThrow('pub_args[1] (sleep_seconds) must be 0 or more');
    expect(job.checkArguments(['x', 0])).toBeNull();
  });
});
