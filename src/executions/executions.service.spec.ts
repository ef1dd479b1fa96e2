import { ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { fakeUser } from '../../test/support/fake-user.js';
import { FakeExecutionsRepository, FakeJobsRepository, fakeMetrics } from '../../test/support/new-test-service.js';
import { AccessService } from '../access/access.service.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import type { ExecutionsRepository, RunNowActor } from '../database/repositories/executions.repository.js';
import type { ClaimedExecution, RunNowOutcome } from '../scheduler/fire-claimer.js';
import type { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import type { PauseReason } from '../scheduler/scheduler-switch.js';
import { ExecutionsService } from './executions.service.js';

function newTestService(
  outcome: RunNowOutcome = { kind: 'missing' },
  runsHere = false,
  pauseReason: PauseReason | null = null,
) {
  const executions = new FakeExecutionsRepository();
  const started: ClaimedExecution[] = [];
  let claims = 0;
  const askedBy: RunNowActor[] = [];
  const scheduler = {
    pauseReason,
    runNow: (_jobId: string, actor: RunNowActor) => {
      claims += 1;
      askedBy.push(actor);
      return Promise.resolve(outcome);
    },
    start: (execution: ClaimedExecution) => void started.push(execution),
    stopHere: () => Promise.resolve(runsHere),
  };
  const metrics = fakeMetrics();
  const service = new ExecutionsService(
    executions as unknown as ExecutionsRepository,
    new AccessService(),
    scheduler as unknown as SchedulerFacade,
    metrics,
  );
  return { service, executions, metrics, askedBy, started, claims: () => claims };
}

const claimed = (executionId: string): ClaimedExecution => ({
  executionId,
  jobId: 'job',
  ownerId: 'alice',
  jobName: 'job',
  jobClassString: 'SampleJob',
  pubArgs: [],
  timeoutSeconds: 60,
  scheduledTime: new Date(),
  state: 'running',
});

describe('ExecutionsService (repositories faked)', () => {
  const alice = fakeUser('alice', ['job_manager']);
  const watcher = fakeUser('watcher', ['viewer'], ['view_all']);
  const job = new FakeJobsRepository().add({ ownerId: 'alice', name: 'nightly' });

  it('lists within the caller’s scope only', async () => {
    const { service, executions } = newTestService();
    executions.add({ ownerId: 'alice', state: 'succeeded' });
    executions.add({ ownerId: 'bob', state: 'failed' });
    const range = { start: new Date(0), end: new Date(), limit: 10, offset: 0 };
    const ownersOf = async (user: typeof alice) =>
      JSON.parse((await service.listJson(user, range)).toString()) as {
        executions: Array<{ owner: { id: string } }>;
        total: number;
      };
    expect(await ownersOf(alice)).toMatchObject({ executions: [{ owner: { id: 'alice' } }], total: 1 });
    expect(await ownersOf(watcher)).toMatchObject({ total: 2 });
  });

  it('sends a page again while it is unchanged, and writes it again once it changed', async () => {
    const { service, executions, metrics } = newTestService();
    executions.add({ ownerId: 'alice', state: 'succeeded' });
    const range = { start: new Date(0), end: new Date(), limit: 10, offset: 0 };
    const first = await service.listJson(alice, range);
    // Another range (the default one ends at every request's now) asks the same question.
    const again = await service.listJson(alice, { ...range, end: new Date(Date.now() + 1000) });
    expect(again).toBe(first);
    executions.add({ ownerId: 'alice', state: 'failed' });
    const changed = JSON.parse((await service.listJson(alice, range)).toString()) as { total: number };
    expect(changed.total).toBe(2);
    expect(metrics.counted.map((labels) => labels.answer)).toEqual(['written', 'sent_again', 'written']);
  });

  it('counts every state, 0 for the absent ones', async () => {
    const { service, executions } = newTestService();
    executions.add({ ownerId: 'alice', state: 'succeeded' });
    executions.add({ ownerId: 'alice', state: 'succeeded' });
    const { counts, total } = await service.stats(alice, { start: new Date(0), end: new Date() });
    expect(total).toBe(2);
    expect(counts).toMatchObject({ succeeded: 2, failed: 0, running: 0 });
  });

  it('answers 404 for another user’s execution and for a malformed id', async () => {
    const { service, executions } = newTestService();
    const bobs = executions.add({ ownerId: 'bob', state: 'running' });
    await expect(service.get(alice, bobs.id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.get(alice, 'nope')).rejects.toBeInstanceOf(NotFoundException);
  });

  it('runs now: the claim audits custom_run by the caller, started here', async () => {
    const { service, askedBy, started } = newTestService({ kind: 'started', execution: claimed('e-1') });
    await expect(service.runNow(alice, job)).resolves.toBe('e-1');
    // the claim's statement writes the audit entry, naming the caller
    expect(askedBy).toEqual([{ user: alice.username, userId: alice.id }]);
    expect(started.map((execution) => execution.executionId)).toEqual(['e-1']);
  });

  it.each([
    ['switch', 'Cannot run now: the scheduler is paused; nothing runs until an admin resumes it'],
    ['start_paused', 'Cannot run now: the scheduler is paused on this instance (SCHEDULER_START_PAUSED)'],
  ] as const)('refuses a run now while the scheduler is paused (%s): 409, nothing claimed', async (reason, text) => {
    const { service, started, claims } = newTestService({ kind: 'started', execution: claimed('e-1') }, false, reason);
    const refusal = service.runNow(alice, job);
    await expect(refusal).rejects.toBeInstanceOf(ConflictException);
    await expect(refusal).rejects.toThrow(text);
    expect(claims()).toBe(0);
    expect(started).toEqual([]);
  });

  const refusals: Array<[RunNowOutcome, abstract new (...args: never[]) => Error]> = [
    [{ kind: 'refused', reason: 'disabled' }, ForbiddenException],
    [{ kind: 'max_instances', running: 3, maxInstances: 3 }, ConflictException],
    [{ kind: 'max_running_per_user', running: 5, limit: 5 }, TooManyRequestsException],
    [{ kind: 'missing' }, NotFoundException],
  ];

  it.each(refusals)('a run now the claim refuses (%j) answers %p, nothing started', async (outcome, error) => {
    const { service, started } = newTestService(outcome);
    await expect(service.runNow(alice, job)).rejects.toBeInstanceOf(error);
    expect(started).toEqual([]);
  });

  it('stops an execution running on another instance through the table (NOTIFY in the statement)', async () => {
    const { service, executions } = newTestService(undefined, false);
    const running = executions.add({ ownerId: 'alice', state: 'running' });
    await expect(service.stop(alice, running.id)).resolves.toMatchObject({ state: 'stopped' });
    expect(executions.stoppedElsewhere).toEqual([running.id]);
  });

  it('stopping one that runs here leaves the row to the runner; 409 for one not running', async () => {
    const { service, executions } = newTestService(undefined, true);
    const running = executions.add({ ownerId: 'alice', state: 'running' });
    await service.stop(alice, running.id);
    expect(executions.stoppedElsewhere).toEqual([]);
    const done = executions.add({ ownerId: 'alice', state: 'succeeded' });
    await expect(service.stop(alice, done.id)).rejects.toBeInstanceOf(ConflictException);
  });

  it('a view_all user may not stop another user’s execution: 403', async () => {
    const { service, executions } = newTestService();
    const running = executions.add({ ownerId: 'alice', state: 'running' });
    await expect(service.stop(watcher, running.id)).rejects.toBeInstanceOf(ForbiddenException);
  });
});
