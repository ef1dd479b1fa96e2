import type { Execution } from '../api/client';
import { failureToast, type LiveMeta, parseLiveEvent, patchExecutionList, Throttle, touches } from './events';

function execution(overrides: Partial<Execution> = {}): Execution {
  return {
    execution_id: 'e1',
    job: { job_id: 'j1', name: 'nightly', job_class_string: 'ShellJob' },
    state: 'running',
    trigger: 'cron',
    scheduled_time: '2026-01-01T00:00:00.000Z',
    started_time: '2026-01-01T00:00:00.100Z',
    finished_time: null,
    updated_time: '2026-01-01T00:00:00.100Z',
    hostname: 'h',
    pid: 1,
    description: '',
    result: null,
    owner: { id: 'u1', username: 'alice' },
    attempt: 1,
    retry_of: null,
    ...overrides,
  };
}

describe('live events', () => {
  it('parses execution, job and resync events and ignores the rest', () => {
    const running = execution();
    expect(parseLiveEvent({ event: 'execution', id: '7', data: JSON.stringify(running) })).toEqual({
      kind: 'execution',
      execution: running,
    });
    expect(parseLiveEvent({ event: 'job', data: '{"job_id":"j1","change":"paused"}' })).toEqual({
      kind: 'job',
      job_id: 'j1',
      change: 'paused',
    });
    expect(parseLiveEvent({ event: 'resync', data: '{}' })).toEqual({ kind: 'resync' });
    expect(parseLiveEvent({ event: 'job', data: '{"job_id":"j1","change":"exploded"}' })).toBeNull();
    expect(parseLiveEvent({ event: 'execution', data: '{"execution_id":"e1"}' })).toBeNull();
    expect(parseLiveEvent({ event: 'execution', data: 'not json' })).toBeNull();
    expect(parseLiveEvent({ event: 'something-new', data: '{}' })).toBeNull();
    expect(parseLiveEvent({ data: '{}' })).toBeNull();
  });

  it('says which queries an event makes stale', () => {
    const lists: LiveMeta = { on: ['execution'] };
    const jobs: LiveMeta = { on: ['job', 'execution'] };
    const oneJob: LiveMeta = { on: ['job'], jobId: 'j1' };
    const oneJobsRuns: LiveMeta = { on: ['execution'], jobId: 'j1' };
    const oneExecution: LiveMeta = { on: ['execution'], executionId: 'e1' };
    const run = { kind: 'execution', execution: execution() } as const;
    const otherRun = {
      kind: 'execution',
      execution: execution({ job: { ...execution().job, job_id: 'j2' } }),
    } as const;
    const paused = { kind: 'job', job_id: 'j1', change: 'paused' } as const;
    const otherPaused = { kind: 'job', job_id: 'j2', change: 'paused' } as const;

    expect(touches(lists, run)).toBe(true);
    expect(touches(lists, paused)).toBe(false);
    expect(touches(jobs, paused)).toBe(true);
    expect(touches(jobs, otherRun)).toBe(true);
    expect(touches(oneJob, paused)).toBe(true);
    expect(touches(oneJob, otherPaused)).toBe(false);
    expect(touches(oneJob, run)).toBe(false);
    expect(touches(oneJobsRuns, run)).toBe(true);
    expect(touches(oneJobsRuns, otherRun)).toBe(false);
    // Replaced from the event itself, never fetched again for it.
    expect(touches(oneExecution, run)).toBe(false);
    for (const meta of [lists, jobs, oneJob, oneJobsRuns, oneExecution]) {
      expect(touches(meta, { kind: 'resync' })).toBe(true);
    }
  });

  it('replaces an execution where a list holds it, and leaves other lists as they are', () => {
    const before = execution();
    const other = execution({ execution_id: 'e2' });
    const list = { executions: [other, before], total: 2 };
    const after = execution({ state: 'failed', updated_time: '2026-01-01T00:00:05.000Z' });
    const patched = patchExecutionList(list, after);
    expect(patched).toEqual({ executions: [other, after], total: 2 });
    expect(patched.executions[0]).toBe(other);
    expect(list.executions[1]).toBe(before);

    const without = { executions: [other], total: 1 };
    expect(patchExecutionList(without, after)).toBe(without);
    const notAList = { jobs: [], total: 0 };
    expect(patchExecutionList(notAList, after)).toBe(notAList);
    // An older copy never replaces a newer one.
    expect(patchExecutionList({ executions: [after], total: 1 }, before).executions[0]).toBe(after);
  });

  it('toasts only a failed or timed-out run of the user’s own job', () => {
    expect(failureToast(execution({ state: 'failed' }), 'u1')).toEqual({
      id: 'failed-e1',
      title: 'nightly failed',
      message: 'The run ended with an error.',
      href: '/executions/e1',
    });
    expect(failureToast(execution({ state: 'timeout' }), 'u1')?.title).toBe('nightly failed');
    expect(failureToast(execution({ state: 'succeeded' }), 'u1')).toBeNull();
    expect(failureToast(execution({ state: 'running' }), 'u1')).toBeNull();
    // An admin watching someone else's job fail is not told.
    expect(failureToast(execution({ state: 'failed' }), 'admin')).toBeNull();
    expect(failureToast(execution({ state: 'failed', owner: null }), 'u1')).toBeNull();
    expect(failureToast(execution({ state: 'failed' }), undefined)).toBeNull();
  });

  it('hands events over at most once per interval, the first at once', () => {
    let now = 0;
    const timers: { at: number; callback: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimeout: (callback: () => void, ms: number) => {
        const timer = { at: now + ms, callback };
        timers.push(timer);
        return timer;
      },
      clearTimeout: (handle: unknown) => {
        timers.splice(timers.indexOf(handle as (typeof timers)[number]), 1);
      },
    };
    const advance = (ms: number) => {
      now += ms;
      for (const timer of timers.filter((candidate) => candidate.at <= now)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.callback();
      }
    };
    const flushed: number[][] = [];
    const throttle = new Throttle<number>(500, (items) => flushed.push(items), clock);
    throttle.push(1);
    expect(flushed).toEqual([[1]]);
    advance(100);
    throttle.push(2);
    throttle.push(3);
    expect(flushed).toEqual([[1]]);
    advance(399);
    expect(flushed).toEqual([[1]]);
    advance(1);
    expect(flushed).toEqual([[1], [2, 3]]);
    advance(2000);
    throttle.push(4);
    expect(flushed).toEqual([[1], [2, 3], [4]]);
    throttle.push(5);
    throttle.cancel();
    advance(1000);
    expect(flushed).toEqual([[1], [2, 3], [4]]);
  });
});
