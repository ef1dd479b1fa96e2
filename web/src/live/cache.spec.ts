import { QueryClient } from '@tanstack/react-query';
import type { Execution } from '../api/client';
import { invalidate, patchExecution } from './cache';
import { type LiveMeta, liveMeta } from './events';

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

describe('the live caches', () => {
  let client: QueryClient;
  const seed = (key: unknown[], data: unknown, live?: LiveMeta) =>
    client.fetchQuery({ queryKey: key, queryFn: () => data, ...(live ? { meta: liveMeta(live) } : {}) });
  const invalidated = (key: unknown[]) => client.getQueryState(key)?.isInvalidated;

  beforeEach(async () => {
    client = new QueryClient();
    const running = execution();
    const other = execution({
      execution_id: 'e2',
      job: { job_id: 'j2', name: 'other', job_class_string: 'SampleJob' },
    });
    await seed(['executions', '1h'], { executions: [other, running], total: 2 }, { on: ['execution'] });
    await seed(['executions', 'job', 'j2'], { executions: [other], total: 1 }, { on: ['execution'], jobId: 'j2' });
    await seed(['execution', 'e1'], running, { on: ['execution'], executionId: 'e1' });
    await seed(['execution', 'e2'], other, { on: ['execution'], executionId: 'e2' });
    await seed(['jobs'], { jobs: [], total: 0 }, { on: ['job', 'execution'] });
    await seed(['job', 'j1'], { job_id: 'j1' }, { on: ['job'], jobId: 'j1' });
    await seed(['me'], { id: 'u1' });
  });
  afterEach(() => client.clear());

  it('puts an execution from an event on its page and in the lists that hold it', () => {
    const failed = execution({ state: 'failed', updated_time: '2026-01-01T00:00:02.000Z' });
    patchExecution(client, failed);
    expect(client.getQueryData(['execution', 'e1'])).toEqual(failed);
    expect(client.getQueryData<{ executions: Execution[] }>(['executions', '1h'])?.executions[1]).toEqual(failed);
    expect(client.getQueryData<Execution>(['execution', 'e2'])?.execution_id).toBe('e2');
    expect(client.getQueryData<{ executions: Execution[] }>(['executions', 'job', 'j2'])?.executions).toHaveLength(1);
    // A late, older copy does not undo it.
    patchExecution(client, execution());
    expect(client.getQueryData<Execution>(['execution', 'e1'])?.state).toBe('failed');
  });

  it('marks stale only the live queries an event touches', () => {
    invalidate(client, [{ kind: 'execution', execution: execution() }]);
    expect(invalidated(['executions', '1h'])).toBe(true);
    expect(invalidated(['jobs'])).toBe(true);
    // Another job's list, a job page (job events only), the execution itself (patched) and non-live queries stay.
    expect(invalidated(['executions', 'job', 'j2'])).toBe(false);
    expect(invalidated(['job', 'j1'])).toBe(false);
    expect(invalidated(['execution', 'e1'])).toBe(false);
    expect(invalidated(['me'])).toBe(false);

    invalidate(client, [{ kind: 'job', job_id: 'j1', change: 'paused' }]);
    expect(invalidated(['job', 'j1'])).toBe(true);
    expect(invalidated(['executions', 'job', 'j2'])).toBe(false);
  });

  it('marks every live query stale on a resync, and nothing else', () => {
    invalidate(client, [{ kind: 'resync' }]);
    for (const key of [
      ['executions', '1h'],
      ['executions', 'job', 'j2'],
      ['execution', 'e1'],
      ['jobs'],
      ['job', 'j1'],
    ]) {
      expect(invalidated(key)).toBe(true);
    }
    expect(invalidated(['me'])).toBe(false);
  });
});
