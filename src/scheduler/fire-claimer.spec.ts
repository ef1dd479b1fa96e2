import {
  FAKE_PG_TRANSACTION,
  FAKE_TRANSACTION,
  FakeExecutionsRepository,
  FakeJobsRepository,
  FakePgPool,
  FakeTransactions,
  fakeConfig,
} from '../../test/support/new-test-service.js';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import type { PgPool } from '../database/pg-pool.js';
import type { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import type { JobsRepository } from '../database/repositories/jobs.repository.js';
import type { Transactions } from '../database/transactions.js';
import { type CatchUpPlan, FireClaimer } from './fire-claimer.js';
import type { InstanceIdentity } from './instance.js';
import type { OwnerRights } from './owner-rights.js';

const INSTANCE = { id: 'instance-1', hostname: 'host', pid: 4242 };
const MAX_RUNNING_PER_USER = 3;
/** Who asks for the run-nows below. */
const ALICE = { user: 'alice', userId: '00000000-0000-4000-8000-00000000a11c' };

function newTestService() {
  const jobs = new FakeJobsRepository();
  const executions = new FakeExecutionsRepository();
  const transactions = new FakeTransactions();
  const pool = new FakePgPool();
  const requirements = { classes: ['ShellJob'], permissions: ['code_execute'] };
  const claimer = new FireClaimer(
    jobs as unknown as JobsRepository,
    executions as unknown as ExecutionsRepository,
    transactions as unknown as Transactions,
    pool as unknown as PgPool,
    INSTANCE as InstanceIdentity,
    fakeConfig({ 'limits.maxRunningPerUser': MAX_RUNNING_PER_USER }) as unknown as ConfigService<AppConfig, true>,
    { requirements: () => requirements } as unknown as OwnerRights,
  );
  return { claimer, jobs, executions, transactions, pool };
}

const at = (second: number): Date => new Date(Date.UTC(2030, 0, 1, 0, 0, second));

const plan = (jobId: string, values: Partial<CatchUpPlan> = {}): CatchUpPlan => ({
  jobId,
  expectedNext: at(0),
  runs: [],
  missed: [],
  next: at(60),
  ...values,
});

describe('FireClaimer (repositories faked)', () => {
  describe('claim', () => {
    it('asks nothing of the database for no fires', async () => {
      const { claimer, jobs } = newTestService();
      expect(await claimer.claim([])).toEqual({ executions: [], suspended: 0 });
      expect(jobs.claims).toEqual([]);
    });

    it('claims all fires in one call, stamped with this instance and MAX_RUNNING_PER_USER', async () => {
      const { claimer, jobs } = newTestService();
      const a = jobs.add({ ownerId: 'alice', nextRunTime: at(0) });
      const b = jobs.add({ ownerId: 'bob', nextRunTime: at(0) });
      const result = await claimer.claim([
        { jobId: a.id, scheduled: at(0), following: at(1) },
        { jobId: b.id, scheduled: at(0), following: at(1) },
      ]);
      expect(jobs.claims).toEqual([
        { jobIds: [a.id, b.id], instance: INSTANCE, maxRunningPerUser: MAX_RUNNING_PER_USER },
      ]);
      expect(result.executions.map((execution) => [execution.jobId, execution.state]).sort()).toEqual(
        [
          [a.id, 'running'],
          [b.id, 'running'],
        ].sort(),
      );
      expect(result.suspended).toBe(0);
    });

    it('counts the fires of suspended jobs apart: they are no executions to run', async () => {
      const { claimer, jobs } = newTestService();
      const suspended = jobs.add({
        ownerId: 'alice',
        nextRunTime: at(0),
        suspendedReason: 'the owner alice is disabled',
      });
      const refused = jobs.add({ ownerId: 'bob', nextRunTime: at(0) });
      jobs.refusals.set(suspended.id, 'the owner alice is disabled');
      jobs.refusals.set(refused.id, 'the owner bob is disabled');
      const result = await claimer.claim([
        { jobId: suspended.id, scheduled: at(0), following: at(1) },
        { jobId: refused.id, scheduled: at(0), following: at(1) },
      ]);
      expect(result.suspended).toBe(1);
      // The first refused fire is recorded, skipped; the job is suspended from then on.
      expect(result.executions.map((execution) => [execution.jobId, execution.state])).toEqual([
        [refused.id, 'skipped'],
      ]);
      expect(refused.suspendedReason).toBe('the owner bob is disabled');
    });
  });

  describe('catchUp', () => {
    it('does nothing when the job moved on meanwhile (next_run_time no longer the plan’s)', async () => {
      const { claimer, jobs, executions, transactions } = newTestService();
      const job = jobs.add({ ownerId: 'alice', nextRunTime: at(5) });
      const claimed = await claimer.catchUp(plan(job.id, { runs: [{ scheduled: at(0), description: 'late' }] }));
      expect(claimed).toEqual([]);
      expect(executions.fireInserts).toEqual([]);
      expect(jobs.calls.map((call) => call.method)).toEqual(['lockForCatchUpAcrossOwners']);
      expect(job.nextRunTime).toEqual(at(5));
      expect(transactions.runs).toBe(1);
    });

    it('records missed fires, runs while max_instances allows, skips the rest, and advances: one transaction', async () => {
      const { claimer, jobs, executions, transactions } = newTestService();
      const job = jobs.add({ ownerId: 'alice', nextRunTime: at(0), maxInstances: 3 });
      jobs.runningOfJob.set(job.id, 1);
      const claimed = await claimer.catchUp(
        plan(job.id, {
          missed: [{ scheduled: at(0), description: 'missed by 70 s' }],
          runs: [
            { scheduled: at(10), description: 'late by 50 s' },
            { scheduled: at(20), description: 'late by 40 s' },
            { scheduled: at(30), description: 'late by 30 s' },
          ],
          next: at(40),
        }),
      );
      expect(claimed.map((execution) => [execution.scheduledTime, execution.state])).toEqual([
        [at(0), 'missed'],
        [at(10), 'running'],
        [at(20), 'running'],
        [at(30), 'skipped'],
      ]);
      expect(executions.rows.map((row) => row.description)).toEqual([
        'missed by 70 s',
        'late by 50 s',
        'late by 40 s',
        'skipped: max_instances (3) or MAX_RUNNING_PER_USER reached',
      ]);
      expect(executions.rows.filter((row) => row.state === 'running').map((row) => row.instanceId)).toEqual([
        INSTANCE.id,
        INSTANCE.id,
      ]);
      expect(job.nextRunTime).toEqual(at(40));
      expect(job.suspendedReason).toBeNull();
      expect(transactions.runs).toBe(1);
      expect([...jobs.calls, ...executions.fireInserts].every((call) => call.transaction === FAKE_TRANSACTION)).toBe(
        true,
      );
      expect(jobs.calls.map((call) => call.method)).toEqual([
        'lockForCatchUpAcrossOwners',
        'fireLimitsAcrossOwners',
        'advanceAcrossOwners',
      ]);
    });

    it('takes the owner’s running executions against MAX_RUNNING_PER_USER too', async () => {
      const { claimer, jobs } = newTestService();
      const job = jobs.add({ ownerId: 'alice', nextRunTime: at(0), maxInstances: 10 });
      jobs.runningOfOwner.set('alice', MAX_RUNNING_PER_USER - 1);
      const claimed = await claimer.catchUp(
        plan(job.id, {
          runs: [
            { scheduled: at(0), description: 'a' },
            { scheduled: at(1), description: 'b' },
          ],
        }),
      );
      expect(claimed.map((execution) => execution.state)).toEqual(['running', 'skipped']);
    });

    it('runs nothing for a refused owner: the latest fire is recorded skipped with the reason, the job suspended', async () => {
      const { claimer, jobs, executions } = newTestService();
      const job = jobs.add({ ownerId: 'alice', nextRunTime: at(0) });
      jobs.refusals.set(job.id, 'the owner alice no longer holds code_execute');
      const claimed = await claimer.catchUp(
        plan(job.id, {
          missed: [{ scheduled: at(0), description: 'missed' }],
          runs: [{ scheduled: at(10), description: 'late' }],
          next: at(20),
        }),
      );
      expect(claimed.map((execution) => [execution.scheduledTime, execution.state])).toEqual([[at(10), 'skipped']]);
      expect(executions.rows.map((row) => row.description)).toEqual([
        'skipped: the owner alice no longer holds code_execute',
      ]);
      expect(job.suspendedReason).toBe('the owner alice no longer holds code_execute');
      expect(job.nextRunTime).toEqual(at(20));
    });

    it('records nothing for a job already suspended, and still moves it on', async () => {
      const { claimer, jobs, executions } = newTestService();
      const job = jobs.add({ ownerId: 'alice', nextRunTime: at(0), suspendedReason: 'the owner alice is disabled' });
      jobs.refusals.set(job.id, 'the owner alice is disabled');
      expect(await claimer.catchUp(plan(job.id, { runs: [{ scheduled: at(0), description: 'late' }] }))).toEqual([]);
      expect(executions.fireInserts).toEqual([]);
      expect(job.nextRunTime).toEqual(at(60));
    });

    it('lifts a suspension once the owner may run the job again', async () => {
      const { claimer, jobs } = newTestService();
      const job = jobs.add({ ownerId: 'alice', nextRunTime: at(0), suspendedReason: 'the owner alice is disabled' });
      const claimed = await claimer.catchUp(plan(job.id, { runs: [{ scheduled: at(0), description: 'late' }] }));
      expect(claimed.map((execution) => execution.state)).toEqual(['running']);
      expect(job.suspendedReason).toBeNull();
    });
  });

  describe('runNow', () => {
    it('answers missing without starting anything when the job does not exist', async () => {
      const { claimer, executions, pool } = newTestService();
      expect(await claimer.runNow('00000000-0000-4000-8000-000000000000', ALICE)).toEqual({ kind: 'missing' });
      expect(executions.runNows).toEqual([]);
      expect(pool.transactions).toBe(1);
    });

    it('locks, then starts, in one transaction, with MAX_RUNNING_PER_USER', async () => {
      const { claimer, jobs, executions, pool } = newTestService();
      const job = jobs.add({ ownerId: 'alice' });
      const execution = {
        executionId: 'e1',
        jobId: job.id,
        ownerId: 'alice',
        jobName: job.name,
        jobClassString: job.jobClassString,
        pubArgs: job.pubArgs,
        timeoutSeconds: job.timeoutSeconds,
        scheduledTime: at(0),
        state: 'running' as const,
      };
      executions.runNowDecision = { verdict: 'started', execution };
      expect(await claimer.runNow(job.id, ALICE)).toEqual({ kind: 'started', execution });
      expect(pool.transactions).toBe(1);
      expect(jobs.calls).toEqual([{ method: 'lockForRunNowAcrossOwners', transaction: FAKE_PG_TRANSACTION }]);
      expect(executions.runNows).toEqual([
        { transaction: FAKE_PG_TRANSACTION, jobId: job.id, maxRunningPerUser: MAX_RUNNING_PER_USER },
      ]);
    });

    it.each([
      [
        {
          verdict: 'refused' as const,
          refusal: 'the owner alice is disabled',
          running: 0,
          ownerRunning: 0,
          maxInstances: 1,
        },
        { kind: 'refused', reason: 'the owner alice is disabled' },
      ],
      [
        { verdict: 'max_instances' as const, refusal: null, running: 2, ownerRunning: 2, maxInstances: 2 },
        { kind: 'max_instances', running: 2, maxInstances: 2 },
      ],
      [
        { verdict: 'max_running_per_user' as const, refusal: null, running: 0, ownerRunning: 3, maxInstances: 5 },
        { kind: 'max_running_per_user', running: 3, limit: MAX_RUNNING_PER_USER },
      ],
    ])('turns the verdict %j into %j', async (decision, outcome) => {
      const { claimer, jobs, executions } = newTestService();
      const job = jobs.add({ ownerId: 'alice' });
      executions.runNowDecision = decision;
      expect(await claimer.runNow(job.id, ALICE)).toEqual(outcome);
    });
  });
});
