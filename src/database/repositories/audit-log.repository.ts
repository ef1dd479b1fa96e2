import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Between, DataSource, type EntityManager, type FindOptionsWhere, IsNull, Not } from 'typeorm';
import type { AuditScope } from '../../access/access.service.js';
import { ownerCondition } from '../../access/owner-scope.js';
import { AuditLog } from '../entities/audit-log.entity.js';
import type { AuditRow } from './write-record.sql.js';

export interface AuditLogListFilters {
  start: Date;
  end: Date;
  jobId?: string;
  event?: string;
}

/** The `audit_logs` table: written inside the caller's transaction when given one, listed by scope. */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(row: AuditRow, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.insert(AuditLog, row);
  }

  /** Newest first, within the scope (a required argument: there is no unscoped list). */
  async listPage(
    scope: AuditScope,
    filters: AuditLogListFilters,
    page: { limit: number; offset: number },
  ): Promise<{ rows: AuditLog[]; total: number }> {
    const owner: FindOptionsWhere<AuditLog> =
      scope.kind === 'owned' ? { ownerId: Not(IsNull()) } : ownerCondition(scope);
    const where: FindOptionsWhere<AuditLog> = {
      ...owner,
      createdTime: Between(filters.start, filters.end),
      ...(filters.jobId ? { jobId: filters.jobId } : {}),
      ...(filters.event ? { event: filters.event } : {}),
    };
    const [rows, total] = await this.dataSource.getRepository(AuditLog).findAndCount({
      where,
      order: { createdTime: 'DESC', id: 'DESC' },
      take: page.limit,
      skip: page.offset,
    });
    return { rows, total };
  }

  /** Deletes up to `limit` audit entries of any owner created more than `days` days ago (retention); answers how many. */
  async deleteOlderThanAcrossOwners(days: number, limit: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, affected]: take the affected count.
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM audit_logs WHERE id IN (
         SELECT id FROM audit_logs WHERE created_time < now() - make_interval(days => $1) LIMIT $2)`,
      [days, limit],
    );
    return affected;
  }
}
