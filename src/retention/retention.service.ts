import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '../config/app-config.js';
import { AdvisoryLocks } from '../database/advisory-locks.js';
import { AuditLogRepository } from '../database/repositories/audit-log.repository.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';

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
    private readonly locks: AdvisoryLocks,
    private readonly executions: ExecutionsRepository,
    private readonly auditLogs: AuditLogRepository,
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
    try {
      const pass = await this.locks.ifFree(RETENTION_LOCK_KEY, async () => {
        const { executionDays, auditDays } = this.config.get('retention', { infer: true });
        result.executions = await this.deleteInBatches((limit) =>
          this.executions.deleteOlderThanAcrossOwners(executionDays, limit),
        );
        if (auditDays > 0) {
          result.auditLogs = await this.deleteInBatches((limit) =>
            this.auditLogs.deleteOlderThanAcrossOwners(auditDays, limit),
          );
        }
      });
      if (pass.held && result.executions + result.auditLogs > 0) {
        this.logger.log(`Retention: deleted ${result.executions} executions and ${result.auditLogs} audit entries`);
      }
    } catch (error) {
      this.logger.warn(`Retention pass failed: ${(error as Error).message}`);
    }
    return result;
  }

  /** Deletes batch after batch (a pause between them) until one comes back short or the app stops. */
  private async deleteInBatches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    while (!this.stopping) {
      const affected = await deleteBatch(BATCH);
      total += affected;
      if (affected < BATCH) break;
      await sleep(50);
    }
    return total;
  }
}
