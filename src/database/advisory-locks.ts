import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Session-level PostgreSQL advisory locks, for work that one instance at a time should do (a
 * retention pass): the lock is held on a connection of its own while `work` runs on the pool.
 */
@Injectable()
export class AdvisoryLocks {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` while holding advisory lock `key` (`pg_try_advisory_lock`, never waiting) and answers
   * `{ held: true, value }`; answers `{ held: false }` without running it when another session holds
   * the lock. The lock is released when `work` settles, also when it throws (the error is rethrown).
   */
  async ifFree<T>(key: number, work: () => Promise<T>): Promise<{ held: true; value: T } | { held: false }> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key])) as Array<{
        locked: boolean;
      }>;
      if (!locked) return { held: false };
      try {
        return { held: true, value: await work() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      await runner.release();
    }
  }
}
