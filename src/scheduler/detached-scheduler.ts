import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { JOB_CHANGES_CHANNEL } from './job-sync.js';

/**
 * Stand-ins for {@link JobTimerRegistry} and {@link JobSync} in a process that writes jobs but never
 * fires them (the operator CLI): no timers of its own, and every change announced with the same
 * NOTIFY as the server's, so each running instance schedules the job at once (a message that is not
 * from itself). Only the methods JobsService calls exist.
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

  async announce(manager: EntityManager, jobId: string): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [
      JOB_CHANGES_CHANNEL,
      JSON.stringify({ job: jobId, from: DetachedJobSync.SENDER }),
    ]);
  }
}
