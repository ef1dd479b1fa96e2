import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthUser } from '../access/auth-user.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { AppConfig } from '../config/app-config.js';
import {
  SchedulerStateRepository,
  type SchedulerSwitchRecord,
} from '../database/repositories/scheduler-state.repository.js';
import { Transactions } from '../database/transactions.js';
import { SchedulerFacade } from '../scheduler/scheduler.facade.js';

/**
 * The scheduler switch (pause and resume every instance): one row, changed in a transaction that
 * also writes the audit row and the NOTIFY, so every instance hears only what committed. Pausing a
 * paused scheduler (or resuming one that runs with no instance held by SCHEDULER_START_PAUSED)
 * changes nothing and audits nothing.
 */
@Injectable()
export class SchedulerControlService {
  constructor(
    private readonly transactions: Transactions,
    private readonly states: SchedulerStateRepository,
    private readonly audit: AuditLogService,
    private readonly scheduler: SchedulerFacade,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private get staleSeconds(): number {
    return this.config.get('instances.staleSeconds', { infer: true });
  }

  get(): Promise<SchedulerSwitchRecord> {
    return this.states.read(this.staleSeconds);
  }

  async pause(user: AuthUser): Promise<SchedulerSwitchRecord> {
    const changed = await this.transactions.run(async (transaction) => {
      const record = await this.states.pause(transaction, actorOf(user), this.staleSeconds);
      if (!record) return null;
      await this.audit.record(
        {
          event: 'scheduler_paused',
          actor: actorOf(user),
          ownerId: null,
          description: 'scheduler paused: no instance starts a fire until an admin resumes it',
        },
        transaction,
      );
      await this.states.announce(transaction, { paused: true });
      return record;
    });
    if (!changed) return this.get();
    this.scheduler.switchChanged(true);
    return changed;
  }

  async resume(user: AuthUser): Promise<SchedulerSwitchRecord> {
    const changed = await this.transactions.run(async (transaction) => {
      const before = await this.states.read(this.staleSeconds);
      const record = await this.states.resume(transaction, this.staleSeconds);
      if (!record) return null;
      const released = before.startPausedHolds.length;
      await this.audit.record(
        {
          event: 'scheduler_resumed',
          actor: actorOf(user),
          ownerId: null,
          description:
            (before.paused ? 'scheduler resumed' : 'scheduler resumed (it was not paused)') +
            (released > 0 ? `; released ${released} instances started paused (SCHEDULER_START_PAUSED)` : '') +
            '; fires missed meanwhile follow each job’s misfire rules',
        },
        transaction,
      );
      await this.states.announce(transaction, { paused: false });
      return record;
    });
    if (!changed) return this.get();
    this.scheduler.switchChanged(false);
    return changed;
  }
}
