import { createHash, randomUUID } from 'node:crypto';
import type { OwnerScope } from '../../src/access/owner-scope.js';
import type { ExecutionState } from '../../src/database/entities/execution.entity.js';
import type { ExecutionWithOwner } from '../../src/database/repositories/execution.columns.js';
import type { Script } from '../../src/database/entities/script.entity.js';
import type {
  ExecutionFinish,
  ExecutionListFilters,
  PendingRetry,
} from '../../src/database/repositories/executions.repository.js';
import type { JobRecord } from '../../src/database/repositories/job.columns.js';
import type {
  ClaimedFire,
  JobWithOwner,
  SchedulableJobRecord,
} from '../../src/database/repositories/jobs.repository.js';
import type { ClaimedExecution, ClaimingInstance } from '../../src/database/repositories/claimed-execution.js';
import type { RunNowDecision } from '../../src/database/repositories/executions.repository.js';
import type { RightsRequirements } from '../../src/database/repositories/owner-rights.sql.js';
import type { PgTransaction } from '../../src/database/pg-pool.js';
import type { Transaction } from '../../src/database/transactions.js';
import type { WriteRecord } from '../../src/database/repositories/write-record.sql.js';
import type { VersionedPage } from '../../src/database/repositories/page-version.sql.js';
import type { Metrics } from '../../src/metrics/metrics.service.js';
import type { ScriptCode } from '../../src/job-classes/script-source.js';
import { toExecutionResponse } from '../../src/executions/dto/execution.response.js';

/**
 * In-memory stand-ins of the repositories for unit tests of the services (immich's
 * `newTestService`): each keeps rows in an array, applies the owner scope as the real one does,
 * and records the writes a test can assert. No database, no Nest module.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const inScope = (scope: OwnerScope, ownerId: string | null): boolean =>
  scope.kind === 'all' || scope.ownerId === ownerId;

/** The one transaction of a fake: a marker object, passed through to the fakes' writes. */
export const FAKE_TRANSACTION = { fake: 'transaction' } as unknown as Transaction;

export class FakeTransactions {
  runs = 0;
  run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    this.runs += 1;
    return work(FAKE_TRANSACTION);
  }
}

export class FakeJobsRepository {
  readonly rows: JobWithOwner[] = [];
  readonly reads: string[] = [];
  readonly updates: Array<{ id: string; patch: Partial<JobRecord> }> = [];
  readonly deleted: string[] = [];
  /** What each write recorded in its statement (audit entry, change notice), and in which transaction. */
  readonly records: Array<{ jobId: string; record: WriteRecord; transaction?: Transaction }> = [];

  add(values: Partial<JobWithOwner> & { ownerId: string }): JobWithOwner {
    const now = new Date('2030-01-01T00:00:00Z');
    const job: JobWithOwner = {
      id: randomUUID(),
      name: 'job',
      jobClassString: 'SampleJob',
      pubArgs: ['x'],
      month: '*',
      dayOfWeek: '*',
      day: '*',
      hour: '*',
      minute: '*',
      second: '0',
      timezone: 'UTC',
      paused: false,
      nextRunTime: null,
      maxInstances: 3,
      timeoutSeconds: 60,
      misfireGraceSeconds: 3600,
      coalesce: true,
      suspendedReason: null,
      createdTime: now,
      updatedTime: now,
      trigger: 'cron',
      intervalSeconds: null,
      runDate: null,
      startDate: null,
      endDate: null,
      jitterSeconds: 0,
      retries: 0,
      retryDelaySeconds: 30,
      retryBackoff: true,
      retryDelayMaxSeconds: 3600,
      owner: { id: values.ownerId, username: values.ownerId },
      ...values,
    };
    this.rows.push(job);
    return job;
  }

  findById(scope: OwnerScope, id: string): Promise<JobWithOwner | null> {
    this.reads.push(id);
    const row = UUID.test(id) ? this.rows.find((job) => job.id === id && inScope(scope, job.ownerId)) : undefined;
    return Promise.resolve(row ? { ...row, owner: { ...row.owner } } : null);
  }

  findByIds(scope: OwnerScope, ids: string[]): Promise<JobWithOwner[]> {
    return Promise.resolve(this.rows.filter((job) => ids.includes(job.id) && inScope(scope, job.ownerId)));
  }

  findByNames(scope: OwnerScope, names: string[]): Promise<JobWithOwner[]> {
    return Promise.resolve(this.rows.filter((job) => names.includes(job.name) && inScope(scope, job.ownerId)));
  }

  listByName(scope: OwnerScope): Promise<JobWithOwner[]> {
    return Promise.resolve(
      this.rows.filter((job) => inScope(scope, job.ownerId)).sort((a, b) => a.name.localeCompare(b.name)),
    );
  }

  countByOwner(scope: OwnerScope): Promise<Array<{ id: string; username: string; jobs: number }>> {
    const counts = new Map<string, { id: string; username: string; jobs: number }>();
    for (const job of this.rows.filter((row) => inScope(scope, row.ownerId))) {
      const entry = counts.get(job.ownerId) ?? { id: job.ownerId, username: job.owner.username, jobs: 0 };
      entry.jobs += 1;
      counts.set(job.ownerId, entry);
    }
    return Promise.resolve([...counts.values()]);
  }

  lockAndCountOwned(scope: OwnerScope): Promise<number> {
    return Promise.resolve(this.rows.filter((job) => inScope(scope, job.ownerId)).length);
  }

  /** The modes of the creation locks the inserts took (shared when they keep a reserve), in order. */
  readonly locks: Array<'shared' | 'exclusive'> = [];
  /** What `maxConnections` answers (so a shared check keeps `openTransactions - 1` jobs in reserve). */
  openTransactions = 2;

  maxConnections(): Promise<number> {
    return Promise.resolve(this.openTransactions);
  }

  insert(
    values: Omit<JobRecord, 'createdTime' | 'updatedTime'>,
    record: WriteRecord,
    transaction?: Transaction,
    limit?: { max: number; reserve: number },
  ): Promise<{ job: JobRecord } | { owned: number }> {
    const owned = this.rows.filter((job) => job.ownerId === values.ownerId).length;
    if (limit) this.locks.push(limit.reserve > 0 ? 'shared' : 'exclusive');
    if (limit && owned >= limit.max - limit.reserve) return Promise.resolve({ owned });
    const { owner: _owner, ...job } = this.add({ ...values });
    this.records.push({ jobId: job.id, record, transaction });
    return Promise.resolve({ job });
  }

  update(id: string, patch: Partial<JobRecord>, record: WriteRecord, transaction?: Transaction): Promise<Date | null> {
    this.updates.push({ id, patch });
    const row = this.rows.find((job) => job.id === id);
    if (!row) return Promise.resolve(null);
    Object.assign(row, patch, { updatedTime: new Date('2030-01-02T00:00:00Z') });
    this.records.push({ jobId: id, record, transaction });
    return Promise.resolve(row.updatedTime);
  }

  delete(id: string, record: WriteRecord, transaction?: Transaction): Promise<boolean> {
    this.deleted.push(id);
    const index = this.rows.findIndex((job) => job.id === id);
    if (index < 0) return Promise.resolve(false);
    this.rows.splice(index, 1);
    this.records.push({ jobId: id, record, transaction });
    return Promise.resolve(true);
  }

  suspendedReasonOf(id: string): Promise<string | null> {
    return Promise.resolve(this.rows.find((job) => job.id === id)?.suspendedReason ?? null);
  }

  listScriptJobsUsing(
    scope: OwnerScope,
    scriptIds: string[],
  ): Promise<Array<{ scriptId: string; jobId: string; name: string }>> {
    return Promise.resolve(
      this.rows
        .filter((job) => job.jobClassString === 'ScriptJob' && inScope(scope, job.ownerId))
        .filter((job) => scriptIds.includes(String(job.pubArgs[0])))
        .map((job) => ({ scriptId: String(job.pubArgs[0]), jobId: job.id, name: job.name })),
    );
  }

  findScriptJobsUsingAcrossOwners(scriptId: string, limit: number): Promise<Array<{ id: string; name: string }>> {
    return Promise.resolve(
      this.rows
        .filter((job) => job.jobClassString === 'ScriptJob' && job.pubArgs[0] === scriptId)
        .slice(0, limit)
        .map((job) => ({ id: job.id, name: job.name })),
    );
  }

  // The claims' side (FireClaimer, Sweeper), across owners.

  /** Why each job's owner may not run it now (absent: they may), as the claim statements work it out. */
  readonly refusals = new Map<string, string>();
  /** Executions running now, per job id and per owner id, as the claim statements count them. */
  readonly runningOfJob = new Map<string, number>();
  readonly runningOfOwner = new Map<string, number>();
  readonly claims: Array<{ jobIds: string[]; instance: ClaimingInstance; maxRunningPerUser: number }> = [];
  /** The transactions each claim-side call ran in, in call order, by method. */
  readonly calls: Array<{ method: string; transaction: unknown }> = [];
  readonly overdueQueries: Array<{ lateSeconds: number; limit: number }> = [];

  /**
   * The claim statement in memory: a fire is claimed while the job is active and its next_run_time is
   * that fire; it runs unless refused or past a limit (then `skipped`), a suspended job's refused fires
   * leave no row; next_run_time moves to `following`, suspended_reason to the refusal.
   */
  claimDueAcrossOwners(
    fires: ReadonlyArray<{ jobId: string; scheduled: Date; following: Date | null }>,
    instance: ClaimingInstance,
    maxRunningPerUser: number,
    _requirements: RightsRequirements,
  ): Promise<ClaimedFire[]> {
    this.claims.push({ jobIds: fires.map((fire) => fire.jobId), instance, maxRunningPerUser });
    const out: ClaimedFire[] = [];
    for (const fire of [...fires].sort((a, b) => a.jobId.localeCompare(b.jobId))) {
      const job = this.rows.find((row) => row.id === fire.jobId);
      if (!job || job.paused || job.nextRunTime?.getTime() !== fire.scheduled.getTime()) continue;
      const refusal = this.refusals.get(job.id) ?? null;
      const starts =
        refusal === null &&
        (this.runningOfJob.get(job.id) ?? 0) < job.maxInstances &&
        (this.runningOfOwner.get(job.ownerId) ?? 0) < maxRunningPerUser;
      if (refusal === null || job.suspendedReason === null) {
        out.push({
          executionId: randomUUID(),
          jobId: job.id,
          ownerId: job.ownerId,
          jobName: job.name,
          jobClassString: job.jobClassString,
          pubArgs: job.pubArgs,
          timeoutSeconds: job.timeoutSeconds,
          scheduledTime: fire.scheduled,
          state: starts ? 'running' : 'skipped',
        });
      } else {
        out.push({ state: 'suspended', jobId: job.id, ownerId: job.ownerId, scheduledTime: fire.scheduled });
      }
      job.nextRunTime = fire.following;
      job.suspendedReason = refusal;
    }
    return Promise.resolve(out);
  }

  lockForCatchUpAcrossOwners(
    transaction: Transaction,
    jobId: string,
    expectedNext: Date,
  ): Promise<{ maxInstances: number; suspendedReason: string | null } | null> {
    this.calls.push({ method: 'lockForCatchUpAcrossOwners', transaction });
    const job = this.rows.find((row) => row.id === jobId);
    if (!job || job.paused || job.nextRunTime?.getTime() !== expectedNext.getTime()) return Promise.resolve(null);
    return Promise.resolve({ maxInstances: job.maxInstances, suspendedReason: job.suspendedReason });
  }

  fireLimitsAcrossOwners(
    transaction: Transaction,
    jobId: string,
  ): Promise<{ running: number; ownerRunning: number; refusal: string | null }> {
    this.calls.push({ method: 'fireLimitsAcrossOwners', transaction });
    const job = this.rows.find((row) => row.id === jobId);
    return Promise.resolve({
      running: this.runningOfJob.get(jobId) ?? 0,
      ownerRunning: job ? (this.runningOfOwner.get(job.ownerId) ?? 0) : 0,
      refusal: this.refusals.get(jobId) ?? null,
    });
  }

  advanceAcrossOwners(
    transaction: Transaction,
    jobId: string,
    next: Date | null,
    suspendedReason: string | null,
  ): Promise<void> {
    this.calls.push({ method: 'advanceAcrossOwners', transaction });
    const job = this.rows.find((row) => row.id === jobId);
    if (job) Object.assign(job, { nextRunTime: next, suspendedReason });
    return Promise.resolve();
  }

  lockForRunNowAcrossOwners(transaction: PgTransaction, jobId: string): Promise<boolean> {
    this.calls.push({ method: 'lockForRunNowAcrossOwners', transaction });
    return Promise.resolve(this.rows.some((row) => row.id === jobId));
  }

  listOverdueAcrossOwners(lateSeconds: number, limit: number): Promise<SchedulableJobRecord[]> {
    this.overdueQueries.push({ lateSeconds, limit });
    const before = Date.now() - lateSeconds * 1000;
    return Promise.resolve(
      this.rows
        .filter((job) => !job.paused && job.nextRunTime !== null && job.nextRunTime.getTime() <= before)
        .sort((a, b) => (a.nextRunTime?.getTime() ?? 0) - (b.nextRunTime?.getTime() ?? 0))
        .slice(0, limit),
    );
  }

  /** How many reads of schedulable jobs job sync made, and of which ids. */
  readonly schedulableReads: string[][] = [];

  findSchedulableByIdsAcrossOwners(ids: string[]): Promise<SchedulableJobRecord[]> {
    this.schedulableReads.push([...ids]);
    return Promise.resolve(this.rows.filter((job) => ids.includes(job.id)).map((job) => ({ ...job })));
  }

  listActiveVersionsAcrossOwners(): Promise<Array<{ id: string; updatedTime: Date }>> {
    return Promise.resolve(
      this.rows.filter((job) => !job.paused).map((job) => ({ id: job.id, updatedTime: job.updatedTime })),
    );
  }
}

export class FakeExecutionsRepository {
  readonly rows: ExecutionWithOwner[] = [];
  readonly stoppedElsewhere: string[] = [];
  readonly finished: Array<{ finishes: ExecutionFinish[]; instanceId: string }> = [];
  readonly started: Array<{ id: string; instanceId: string; startedAt: Date }> = [];

  markStarted(id: string, instanceId: string, startedAt: Date): Promise<void> {
    this.started.push({ id, instanceId, startedAt });
    return Promise.resolve();
  }

  add(values: Partial<ExecutionWithOwner> & { ownerId: string; state: ExecutionState }): ExecutionWithOwner {
    const row: ExecutionWithOwner = {
      id: randomUUID(),
      jobId: randomUUID(),
      jobName: 'job',
      jobClassString: 'SampleJob',
      trigger: 'cron',
      scheduledTime: new Date('2030-01-01T00:00:00Z'),
      startedTime: null,
      finishedTime: null,
      updatedTime: new Date('2030-01-01T00:00:00Z'),
      hostname: null,
      pid: null,
      instanceId: null,
      description: '',
      result: null,
      attempt: 1,
      retryOf: null,
      owner: { id: values.ownerId, username: values.ownerId },
      ...values,
    };
    this.rows.push(row);
    return row;
  }

  findById(scope: OwnerScope, id: string): Promise<ExecutionWithOwner | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return Promise.resolve(this.rows.find((row) => row.id === id && inScope(scope, row.ownerId)) ?? null);
  }

  /**
   * The items as the object mapping writes them (the real one has PostgreSQL write the same bytes), the
   * version a hash of them and the total (the real one hashes the row versions).
   */
  listPageJson(
    scope: OwnerScope,
    filters: ExecutionListFilters,
    page: { limit: number; offset: number },
    known: string | null = null,
  ): Promise<VersionedPage<string>> {
    const rows = this.rows.filter(
      (row) =>
        inScope(scope, row.ownerId) &&
        (!filters.jobId || row.jobId === filters.jobId) &&
        (!filters.state || row.state === filters.state),
    );
    const items = rows
      .slice(page.offset, page.offset + page.limit)
      .map((row) => JSON.stringify(toExecutionResponse(row)))
      .join(',');
    const version = createHash('md5').update(`${rows.length};${items}`).digest('hex');
    return Promise.resolve({ version, total: rows.length, items: version === known ? null : items });
  }

  countByState(scope: OwnerScope): Promise<Array<{ state: ExecutionState; count: number }>> {
    const counts = new Map<ExecutionState, number>();
    for (const row of this.rows.filter((execution) => inScope(scope, execution.ownerId))) {
      counts.set(row.state, (counts.get(row.state) ?? 0) + 1);
    }
    return Promise.resolve([...counts].map(([state, count]) => ({ state, count })));
  }

  stopRunningElsewhere(id: string): Promise<void> {
    this.stoppedElsewhere.push(id);
    const row = this.rows.find((execution) => execution.id === id && execution.state === 'running');
    if (row) row.state = 'stopped';
    return Promise.resolve();
  }

  /** Records the finishes; writes no retry (the retry rules are SQL, tested against the database). */
  finishIfOwned(finishes: ExecutionFinish[], instanceId: string): Promise<PendingRetry[]> {
    this.finished.push({ finishes, instanceId });
    return Promise.resolve([]);
  }

  /** What the next run now decides (a test sets it); null: the job is gone. */
  runNowDecision: RunNowDecision | null = null;
  readonly runNows: Array<{ transaction: unknown; jobId: string; maxRunningPerUser: number }> = [];
  readonly fireInserts: Array<{ transaction: unknown; jobId: string }> = [];

  /** A catch-up's rows, keyed like the table by (job, scheduled time): a fire already recorded is not again. */
  insertFiresAcrossOwners(
    transaction: Transaction,
    jobId: string,
    fires: ReadonlyArray<{ scheduled: Date; state: ExecutionState; description: string }>,
    instance: ClaimingInstance,
  ): Promise<ClaimedExecution[]> {
    this.fireInserts.push({ transaction, jobId });
    const written: ClaimedExecution[] = [];
    for (const fire of fires) {
      const taken = this.rows.some(
        (row) => row.jobId === jobId && row.scheduledTime.getTime() === fire.scheduled.getTime(),
      );
      if (taken) continue;
      const running = fire.state === 'running';
      const row = this.add({
        jobId,
        ownerId: 'owner',
        state: fire.state,
        scheduledTime: fire.scheduled,
        description: fire.description,
        instanceId: running ? instance.id : null,
        hostname: running ? instance.hostname : null,
        pid: running ? instance.pid : null,
      });
      written.push({
        executionId: row.id,
        jobId,
        ownerId: row.ownerId,
        jobName: row.jobName,
        jobClassString: row.jobClassString,
        pubArgs: [],
        timeoutSeconds: 60,
        scheduledTime: row.scheduledTime,
        state: row.state,
      });
    }
    return Promise.resolve(written);
  }

  startRunNowAcrossOwners(
    transaction: PgTransaction,
    jobId: string,
    _instance: ClaimingInstance,
    _requirements: RightsRequirements,
    maxRunningPerUser: number,
  ): Promise<RunNowDecision | null> {
    this.runNows.push({ transaction, jobId, maxRunningPerUser });
    return Promise.resolve(this.runNowDecision);
  }
}

export class FakeScriptsRepository {
  readonly rows: Script[] = [];

  add(values: Partial<Script> & { ownerId: string }): Script {
    const row = {
      id: randomUUID(),
      name: 'script.js',
      language: 'javascript' as const,
      source: 'export function run() {}',
      size: 24,
      sha256: 'x',
      createdTime: new Date('2030-01-01T00:00:00Z'),
      ...values,
    };
    this.rows.push(row);
    return row;
  }

  findById(scope: OwnerScope, id: string): Promise<Script | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return Promise.resolve(this.rows.find((row) => row.id === id && inScope(scope, row.ownerId)) ?? null);
  }

  listPage(scope: OwnerScope, limit: number, offset: number): Promise<{ rows: Script[]; total: number }> {
    const rows = this.rows.filter((row) => inScope(scope, row.ownerId));
    return Promise.resolve({ rows: rows.slice(offset, offset + limit), total: rows.length });
  }

  insert(values: Pick<Script, 'name' | 'language' | 'source' | 'size' | 'sha256' | 'ownerId'>): Promise<Script> {
    return Promise.resolve(this.add(values));
  }

  delete(id: string): Promise<void> {
    this.rows.splice(
      this.rows.findIndex((row) => row.id === id),
      1,
    );
    return Promise.resolve();
  }

  findSourceUsableBy(scriptId: string, ownerId: string): Promise<ScriptCode | null> {
    const row = this.rows.find((candidate) => candidate.id === scriptId && candidate.ownerId === ownerId);
    return Promise.resolve(row ? { source: row.source, language: row.language } : null);
  }
}

/** A ConfigService over a plain map of the keys a service reads. */
export function fakeConfig<T extends Record<string, unknown>>(values: T): { get: (key: keyof T) => unknown } {
  return { get: (key: keyof T) => values[key] };
}

/** The one pg transaction of a fake pool: a marker object, passed through to the fakes' statements. */
export const FAKE_PG_TRANSACTION = { fake: 'pg transaction' } as unknown as PgTransaction;

export class FakePgPool {
  transactions = 0;
  transaction<T>(work: (client: PgTransaction) => Promise<T>): Promise<T> {
    this.transactions += 1;
    return work(FAKE_PG_TRANSACTION);
  }
}

/** The metrics a service counts into, recording what was counted (no registry, no default metrics). */
export function fakeMetrics(): Metrics & { counted: Array<Record<string, string>> } {
  const counted: Array<Record<string, string>> = [];
  const counter = { inc: (labels: Record<string, string>) => void counted.push(labels) };
  return { counted, listPages: counter } as unknown as Metrics & { counted: Array<Record<string, string>> };
}
