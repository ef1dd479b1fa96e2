import { Injectable } from '@nestjs/common';
import { JOB_CHANGES_CHANNEL } from '../database/channels.js';
import type { ChannelNotice } from '../database/repositories/write-record.sql.js';
import type { Transaction } from '../database/transactions.js';
import { OwnerRights } from './owner-rights.js';
import type { SchedulerFacade } from './scheduler.facade.js';

/**
 * Stand-ins for {@link JobTimerRegistry} and {@link JobSync} in a process that writes jobs but never
 * fires them (the operator CLI): no timers of its own, and every change announced with the same
 * NOTIFY as the server's, so each running instance schedules the job at once (a message that is not
 * from itself). Only the methods the job services call exist.
 */
@Injectable()
export class DetachedJobTimers {
  register(): void {
    // This process fires no jobs: the servers that hear the announcement do.
  }

  reschedule(): void {
    // As register().
  }

  unregister(): void {
    // As register().
  }
}

/** Announces job changes to the running servers; hears nothing itself. */
@Injectable()
export class DetachedJobSync {
  /** The `from` of its messages: never an instance's id, so every instance reloads the job. */
  static readonly SENDER = 'cli';

  changeNotice(jobId: string): ChannelNotice {
    return { channel: JOB_CHANGES_CHANNEL, payload: JSON.stringify({ job: jobId, from: DetachedJobSync.SENDER }) };
  }
}

/**
 * The {@link SchedulerFacade} of a process that writes jobs but never fires them (the operator CLI):
 * timers are the running servers' business, changes are announced to them, and an owner's rights are
 * reviewed in the writing transaction as on a server. Only the methods the job services call when they
 * create, change or delete jobs exist.
 */
@Injectable()
export class DetachedSchedulerFacade implements Pick<
  SchedulerFacade,
  'register' | 'reschedule' | 'unregister' | 'changeNotice' | 'reviewRights'
> {
  private readonly timers = new DetachedJobTimers();
  private readonly sync = new DetachedJobSync();

  constructor(private readonly rights: OwnerRights) {}

  register(): void {
    this.timers.register();
  }

  reschedule(): void {
    this.timers.reschedule();
  }

  unregister(): void {
    this.timers.unregister();
  }

  changeNotice(jobId: string): ChannelNotice {
    return this.sync.changeNotice(jobId);
  }

  async reviewRights(jobId: string, transaction: Transaction): Promise<boolean> {
    return (await this.rights.review({ jobId }, transaction)).includes(jobId);
  }
}
