import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Between, DataSource, type EntityManager, IsNull, Not, type FindOptionsWhere } from 'typeorm';
import type { AuditScope } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import { ownerCondition } from '../access/owner-scope.js';
import type { TimeRange } from '../common/time-range.dto.js';
import type { AuditEvent } from './audit-events.js';
import { AuditLog } from '../database/entities/audit-log.entity.js';

export interface AuditActor {
  /** null for an unknown username (a failed login). */
  id: string | null;
  username: string;
}

export interface AuditEntry {
  event: AuditEvent;
  actor: AuditActor;
  /** Whose row this is (the job's owner, the user logging in); null: admins only. */
  ownerId: string | null;
  jobId?: string | null;
  jobName?: string | null;
  description?: string;
}

export interface AuditLogFilters extends TimeRange {
  jobId?: string;
  event?: AuditEvent;
  limit: number;
  offset: number;
}

const MAX_ACTOR_NAME = 128;

/** The audit actor of a caller (an operator at the CLI has no user row). */
export function actorOf(user: AuthUser): AuditActor {
  return { id: user.system ? null : user.id, username: user.username };
}

/** Writes audit rows (every module calls it, inside its own transaction when given one) and lists them by scope. */
@Injectable()
export class AuditLogService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.insert(AuditLog, {
      event: entry.event,
      user: entry.actor.username.slice(0, MAX_ACTOR_NAME),
      userId: entry.actor.id,
      ownerId: entry.ownerId,
      jobId: entry.jobId ?? null,
      jobName: entry.jobName ?? null,
      description: entry.description ?? '',
    });
  }

  /** Newest first, within the scope (a required argument: there is no unscoped list). */
  async list(scope: AuditScope, filters: AuditLogFilters): Promise<{ rows: AuditLog[]; total: number }> {
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
      take: filters.limit,
      skip: filters.offset,
    });
    return { rows, total };
  }
}
