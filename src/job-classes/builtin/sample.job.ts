import { argumentLabel, argumentProblem } from '../job-arguments.js';
import { JobClass } from '../job-class.decorator.js';
import type { JobClassHandler, JobClassMeta, JobRunContext } from '../job-class.types.js';

export const SAMPLE_JOB: JobClassMeta = {
  jobClassString: 'SampleJob',
  name: 'Sample job',
  notes:
    'Waits sleep_seconds, then returns {"message": message}, or fails with "SampleJob failed on request" when fail is true. For demos, tests and benchmarks.',
  arguments: [
    { type: 'string', description: 'message: returned as the result' },
    {
      type: 'number',
      description: 'sleep_seconds (optional, default 0): seconds to wait first (0 or more)',
      optional: true,
    },
    {
      type: 'boolean',
      description: 'fail (optional, default false): true fails the run after the wait',
      optional: true,
    },
  ],
  exampleArguments: ['Hello from Cronwarden', 5, false],
};

/** setTimeout's longest delay (about 24.8 days): longer waits end by the job's timeout anyway. */
const MAX_DELAY_MS = 2 ** 31 - 1;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(ms, MAX_DELAY_MS),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

@JobClass(SAMPLE_JOB)
export class SampleJob implements JobClassHandler {
  checkArguments(args: readonly unknown[]): string | null {
    const sleepSeconds = args[1];
    return typeof sleepSeconds === 'number' && sleepSeconds < 0
      ? `${argumentLabel(SAMPLE_JOB, 1)} must be 0 or more`
      : null;
  }

  async run(args: readonly unknown[], context: JobRunContext): Promise<{ message: string }> {
    const problem = argumentProblem(SAMPLE_JOB, args) ?? this.checkArguments(args);
    if (problem) throw new Error(problem);
    const [message, sleepSeconds = 0, fail = false] = args as [string, number?, boolean?];
    if (sleepSeconds > 0) await sleep(sleepSeconds * 1000, context.signal);
    if (fail) throw new Error('SampleJob failed on request');
    return { message };
  }
}
