import {
  attemptDuration,
  coverageText,
  deliveriesRefetchMs,
  deliveryStatusText,
  isWebhookEvent,
  WEBHOOK_EVENTS,
  webhookFieldProblems,
  webhookRequest,
} from './webhooks';

describe('webhook form', () => {
  it('offers the nine events of the contract, in its order', () => {
    expect(WEBHOOK_EVENTS.map((event) => event.value)).toEqual([
      'execution.succeeded',
      'execution.failed',
      'execution.timeout',
      'execution.missed',
      'execution.skipped',
      'execution.stopped',
      'job.paused',
      'job.resumed',
      'job.deleted',
    ]);
    expect(isWebhookEvent('job.paused')).toBe(true);
    expect(isWebhookEvent('ping')).toBe(false);
    expect(isWebhookEvent('toString')).toBe(false);
  });

  it('sends the URL trimmed, the events in order, and a job only when one is chosen', () => {
    expect(webhookRequest('  https://example.com/h ', ['job.deleted', 'execution.failed'], null)).toEqual({
      url: 'https://example.com/h',
      events: ['execution.failed', 'job.deleted'],
    });
    expect(webhookRequest('https://example.com/h', ['execution.failed'], 'a1')).toEqual({
      url: 'https://example.com/h',
      events: ['execution.failed'],
      job_id: 'a1',
    });
    expect(webhookRequest('x', ['nope'], '').events).toEqual([]);
  });

  it('puts each refusal next to its field and the rest above the form', () => {
    const split = webhookFieldProblems(400, [
      'url: webhooks are never sent to 127.0.0.1: a loopback address',
      'events should not be empty',
      'each value in events must be one of the following values: …',
      'job_id must be a UUID',
      'something else',
    ]);
    expect(split.fields).toEqual({
      url: 'url: webhooks are never sent to 127.0.0.1: a loopback address',
      events: 'events should not be empty',
      job_id: 'job_id must be a UUID',
    });
    expect(split.other).toEqual(['each value in events must be one of the following values: …', 'something else']);
    expect(webhookFieldProblems(404, ['Job not found']).fields).toEqual({ job_id: 'Job not found' });
    expect(webhookFieldProblems(403, ['You may only view this job']).other).toEqual(['You may only view this job']);
    expect(webhookFieldProblems(400, ['urls are fine']).other).toEqual(['urls are fine']);
  });
});

describe('webhook list and delivery log', () => {
  it('names the jobs a webhook covers', () => {
    const names = new Map([['11111111-2222-3333-4444-555555555555', 'nightly backup']]);
    const me = { mine: true, admin: false, owner: 'bob' };
    expect(coverageText(null, names, me)).toBe('All my jobs');
    expect(coverageText(null, names, { ...me, admin: true })).toBe('All jobs');
    expect(coverageText(null, names, { mine: false, admin: true, owner: 'alice' })).toBe('All of alice’s jobs');
    expect(coverageText('11111111-2222-3333-4444-555555555555', names, me)).toBe('nightly backup');
    expect(coverageText('99999999-2222-3333-4444-555555555555', names, me)).toBe('Job 99999999…');
  });

  it('says whether a pending delivery is being retried', () => {
    expect(deliveryStatusText({ status: 'pending', attempt: 0 })).toBe('pending');
    expect(deliveryStatusText({ status: 'pending', attempt: 2 })).toBe('retrying (2 so far)');
    expect(deliveryStatusText({ status: 'succeeded', attempt: 1 })).toBe('succeeded');
  });

  it('formats attempt durations and polls faster while something is pending', () => {
    expect(attemptDuration(null)).toBe('—');
    expect(attemptDuration(42)).toBe('42 ms');
    expect(attemptDuration(1234)).toBe('1.2 s');
    expect(deliveriesRefetchMs([{ status: 'succeeded' }, { status: 'pending' }])).toBe(1000);
    expect(deliveriesRefetchMs([{ status: 'failed' }])).toBe(10_000);
    expect(deliveriesRefetchMs(undefined)).toBe(10_000);
  });
});
