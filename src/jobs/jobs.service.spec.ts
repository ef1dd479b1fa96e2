import { BadRequestException, ForbiddenException, HttpException, NotFoundException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { fakeUser } from '../../test/support/fake-user.js';
import { fakeConfig, FakeJobsRepository, fakeMetrics, FakeTransactions } from '../../test/support/new-test-service.js';
import { AccessService } from '../access/access.service.js';
import type { AppConfig } from '../config/app-config.js';
import type { JobsRepository } from '../database/repositories/jobs.repository.js';
import type { UsersRepository } from '../database/repositories/users.repository.js';
import type { Transactions } from '../database/transactions.js';
import type { JobClassRegistry } from '../job-classes/job-class.registry.js';
import type { SchedulerFacade } from '../scheduler/scheduler.facade.js';
import type { ScriptsService } from '../scripts/scripts.service.js';
import { JobWriter } from './job-writer.js';
import { JobsService } from './jobs.service.js';

/** Classes of this instance: ShellJob is declared (needs code_execute) but disabled here. */
const AVAILABLE = ['SampleJob'];
const DECLARED: Record<string, string | undefined> = { SampleJob: undefined, ShellJob: 'code_execute' };

function newTestService() {
  const jobs = new FakeJobsRepository();
  const transactions = new FakeTransactions();
  const scheduler = {
    registered: [] as string[],
    rescheduled: [] as string[],
    unregistered: [] as string[],
    register(job: { id: string }) {
      this.registered.push(job.id);
    },
    reschedule(job: { id: string }) {
      this.rescheduled.push(job.id);
    },
    unregister(id: string) {
      this.unregistered.push(id);
    },
    changeNotice: (jobId: string) => ({ channel: 'job-changes', payload: jobId }),
    reviewRights: () => Promise.resolve(false),
  };
  /** The audit entries the writes recorded, in their statements (and the transaction, if any). */
  const audits = () =>
    jobs.records.map(({ jobId, record, transaction }) => ({ entry: { ...record.audit, jobId }, transaction }));
  /** The change notices the writes sent (the job id each announced). */
  const announced = () =>
    jobs.records.map(({ record, transaction }) => ({ transaction, jobId: record.notice.payload }));
  const classes = {
    get: (name: string) => (AVAILABLE.includes(name) ? { meta: { jobClassString: name } } : undefined),
    names: () => AVAILABLE,
    argumentProblem: () => null,
    requiredPermissionOf: (name: string) => DECLARED[name],
  };
  const users = { usernameOf: (id: string) => Promise.resolve(id === 'bob' ? 'bob' : null) };
  const config = fakeConfig({ 'jobs.defaultTimeoutSeconds': 60, timezone: 'UTC', 'limits.maxJobsPerUser': 2 });
  const writer = new JobWriter(
    jobs as unknown as JobsRepository,
    users as unknown as UsersRepository,
    classes as unknown as JobClassRegistry,
    scheduler as unknown as SchedulerFacade,
    { isUsableBy: () => Promise.resolve(true) } as unknown as ScriptsService,
    config as unknown as ConfigService<AppConfig, true>,
  );
  const service = new JobsService(
    jobs as unknown as JobsRepository,
    transactions as unknown as Transactions,
    new AccessService(),
    writer,
    scheduler as unknown as SchedulerFacade,
    fakeMetrics(),
  );
  return { service, jobs, transactions, audits, announced, scheduler };
}

describe('JobsService (repositories faked)', () => {
  const alice = fakeUser('alice', ['job_manager']);
  const watcher = fakeUser('watcher', ['viewer'], ['view_all']);
  const admin = fakeUser('admin', ['admin']);

  it('creates a job for the caller in one statement (the job limit in it): audited `added`, announced, then registered', async () => {
    const { service, jobs, audits, announced, scheduler, transactions } = newTestService();
    const job = await service.create(alice, { name: 'nightly', job_class_string: 'SampleJob', pub_args: ['x'] });
    expect(jobs.rows).toHaveLength(1);
    expect(job).toMatchObject({ name: 'nightly', ownerId: 'alice', owner: { id: 'alice', username: 'alice' } });
    expect(job.nextRunTime).toBeInstanceOf(Date);
    expect(transactions.runs).toBe(0);
    expect(audits()).toEqual([
      {
        entry: expect.objectContaining({ event: 'added', ownerId: 'alice', jobId: job.id }) as unknown,
        transaction: undefined,
      },
    ]);
    expect(announced()).toEqual([{ transaction: undefined, jobId: job.id }]);
    expect(scheduler.registered).toEqual([job.id]);
  });

  it('answers 400 naming the field for a bad cron field, and saves nothing', async () => {
    const { service, jobs } = newTestService();
    await expect(
      service.create(alice, { name: 'bad', job_class_string: 'SampleJob', pub_args: ['x'], minute: '61' }),
    ).rejects.toBeInstanceOf(BadRequestException);
    expect(jobs.rows).toHaveLength(0);
  });

  it('answers 429 past MAX_JOBS_PER_USER for a non-admin owner', async () => {
    const { service, jobs } = newTestService();
    jobs.add({ ownerId: 'alice' });
    jobs.add({ ownerId: 'alice' });
    const creating = service.create(alice, { name: 'third', job_class_string: 'SampleJob', pub_args: ['x'] });
    await expect(creating).rejects.toBeInstanceOf(HttpException);
    await expect(creating).rejects.toMatchObject({ status: 429 });
    expect(jobs.rows).toHaveLength(2);
  });

  it('holds the job limit with the shared lock far from it and counts exactly near it (max_connections 2)', async () => {
    const { service, jobs, transactions } = newTestService();
    const create = (name: string) => service.create(alice, { name, job_class_string: 'SampleJob', pub_args: ['x'] });
    await create('first'); // 0 jobs + 1 in reserve < 2: shared
    await create('second'); // 1 + 1 is not < 2: shared refused, then exact: 1 < 2
    await expect(create('third')).rejects.toMatchObject({ status: 429 });
    expect(jobs.locks).toEqual(['shared', 'shared', 'exclusive', 'shared', 'exclusive']);
    expect(transactions.runs).toBe(0);
    expect(jobs.rows.map((job) => job.name)).toEqual(['first', 'second']);
  });

  it('returns 404 for another user’s job and for a malformed id; view_all sees it', async () => {
    const { service, jobs } = newTestService();
    const bobs = jobs.add({ ownerId: 'bob' });
    await expect(service.get(alice, bobs.id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.get(alice, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.get(watcher, bobs.id)).resolves.toMatchObject({ id: bobs.id });
  });

  it('answers 403 to a view_all user acting on another user’s job (read-only), 404 to others', async () => {
    const { service, jobs } = newTestService();
    const bobs = jobs.add({ ownerId: 'bob' });
    await expect(service.getForAction(watcher, bobs.id)).rejects.toBeInstanceOf(ForbiddenException);
    await expect(service.getForAction(alice, bobs.id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.getForAction(admin, bobs.id)).resolves.toMatchObject({ id: bobs.id });
  });

  it('updates the job the guard loaded without reading it again, writing only the columns that change', async () => {
    const { service, jobs, audits, scheduler, transactions } = newTestService();
    const current = jobs.add({
      ownerId: 'alice',
      name: 'old',
      hour: '1',
      nextRunTime: new Date('2030-01-01T01:00:00Z'),
    });
    const updated = await service.update(alice, { ...current }, { name: 'new', hour: '2' });
    expect(jobs.reads).toEqual([]);
    expect(jobs.updates).toHaveLength(1);
    expect(Object.keys(jobs.updates[0].patch).sort()).toEqual(['hour', 'name', 'nextRunTime']);
    expect(updated).toMatchObject({ name: 'new', hour: '2', owner: { username: 'alice' } });
    expect(audits()).toEqual([
      {
        entry: expect.objectContaining({
          event: 'modified',
          description: 'name: "old" → "new"; hour: "1" → "2"',
        }) as unknown,
        transaction: undefined,
      },
    ]);
    expect(transactions.runs).toBe(0);
    expect(scheduler.rescheduled).toEqual([current.id]);
  });

  it('writes nothing when a PUT changes nothing', async () => {
    const { service, jobs, audits, announced } = newTestService();
    const current = jobs.add({ ownerId: 'alice', name: 'same' });
    await service.update(alice, current, { name: 'same' });
    expect(jobs.updates).toEqual([]);
    expect(audits()).toEqual([]);
    expect(announced()).toEqual([]);
  });

  it('answers 403 to changing one’s own job of a disabled class that needs code_execute (not 400)', async () => {
    const { service, jobs } = newTestService();
    const shell = jobs.add({ ownerId: 'alice', jobClassString: 'ShellJob', pubArgs: ['/bin/true'] });
    await expect(service.update(alice, shell, { hour: '3' })).rejects.toBeInstanceOf(ForbiddenException);
    expect(jobs.updates).toEqual([]);
  });

  it('pauses: next_run_time null, audited `paused`, rescheduled (unregistered by the registry)', async () => {
    const { service, jobs, audits, scheduler } = newTestService();
    const current = jobs.add({ ownerId: 'alice', nextRunTime: new Date('2030-01-01T00:01:00Z') });
    const paused = await service.pause(alice, current);
    expect(paused).toMatchObject({ paused: true, nextRunTime: null });
    expect(jobs.updates).toEqual([{ id: current.id, patch: { paused: true, nextRunTime: null } }]);
    expect(audits().map(({ entry }) => entry.event)).toEqual(['paused']);
    expect(scheduler.rescheduled).toEqual([current.id]);
  });

  it('deletes in one statement (no transaction of several), audited and announced, then unregisters the timer', async () => {
    const { service, jobs, audits, announced, scheduler, transactions } = newTestService();
    const current = jobs.add({ ownerId: 'alice', name: 'gone' });
    await service.remove(alice, current);
    expect(jobs.deleted).toEqual([current.id]);
    expect(audits()[0].entry).toMatchObject({ event: 'deleted', jobName: 'gone' });
    expect(announced()).toEqual([{ transaction: undefined, jobId: current.id }]);
    expect(transactions.runs).toBe(0);
    expect(scheduler.unregistered).toEqual([current.id]);
  });

  it('lists owners only for callers who see everyone', async () => {
    const { service, jobs } = newTestService();
    jobs.add({ ownerId: 'alice' });
    jobs.add({ ownerId: 'bob' });
    await expect(service.owners(alice)).rejects.toBeInstanceOf(ForbiddenException);
    await expect(service.owners(watcher)).resolves.toHaveLength(2);
  });
});
