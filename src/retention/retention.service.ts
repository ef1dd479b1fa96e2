import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';

const DAY_MS = 86_400_000;
const FIRST_RUN_AFTER_MS = 60_000;
/** Rows per DELETE: small batches never hold long locks nor bloat one transaction. */
const BATCH = 1_000;
/** Held while pruning, so replicas do not prune at the same time. */
const RETENTION_LOCK_KEY = 0x7265746e;

export interface PruneResult {
  executions: number;
  auditLogs: number;
}

/**
 * Once a day (first a minute after start): deletes executions older than EXECUTION_RETENTION_DAYS
 * (never a running one) and, when AUDIT_RETENTION_DAYS is above 0, audit entries older than that.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private first: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: SchedulerRegistry,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  onApplicationBootstrap(): void {
    this.first = setTimeout(() => void this.prune(), FIRST_RUN_AFTER_MS);
    this.first.unref();
    const daily = setInterval(() => void this.prune(), DAY_MS);
    daily.unref();
    this.registry.addInterval('cronwarden:retention', daily);
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    clearTimeout(this.first);
  }

  async prune(): Promise<PruneResult> {
    const result: PruneResult = { executions: 0, auditLogs: 0 };
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        RETENTION_LOCK_KEY,
      ])) as Array<{
        locked: boolean;
      }>;
      if (!locked) return result;
      try {
        const { executionDays, auditDays } = this.config.get('retention', { infer: true });
        result.executions = await this.deleteInBatches(
          `DELETE FROM executions WHERE id IN (
             SELECT id FROM executions
              WHERE scheduled_time < now() - make_interval(days => $1) AND state <> 'running' LIMIT $2)`,
          executionDays,
        );
        if (auditDays > 0) {
          result.auditLogs = await this.deleteInBatches(
            `DELETE FROM audit_logs WHERE id IN (
               SELECT id FROM audit_logs WHERE created_time < now() - make_interval(days => $1) LIMIT $2)`,
            auditDays,
          );
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
      }
      if (result.executions + result.auditLogs > 0) {
        this.logger.log(`Retention: deleted ${result.executions} executions and ${result.auditLogs} audit entries`);
      }
    } catch (error) {
      this.logger.warn(`Retention pass failed: ${(error as Error).message}`);
    } finally {
      await runner.release();
    }
    return result;
  }

  private async deleteInBatches(sql: string, days: number): Promise<number> {
    let total = 0;
    while (!this.stopping) {
      const [, affected]: [unknown, number] = await this.dataSource.query(sql, [days, BATCH]);
      total += affected;
      if (affected < BATCH) break;
      await sleep(50);
    }
    return total;
  }
}
