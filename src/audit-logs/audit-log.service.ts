import { Injectable } from '@nestjs/common';
import type { AuditScope } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import type { TimeRange } from '../common/time-range.dto.js';
import type { AuditEvent } from './audit-events.js';
import type { AuditLog } from '../database/entities/audit-log.entity.js';
import { AuditLogRepository } from '../database/repositories/audit-log.repository.js';
import type { Transaction } from '../database/transactions.js';
import type { WriteRecord } from '../database/repositories/write-record.sql.js';

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

/**
 * The row of an audit entry as written (its job id aside: a write statement that records itself takes
 * it from the row it writes).
 */
export function auditRowOf(entry: AuditEntry): WriteRecord['audit'] {
  return {
    event: entry.event,
    user: entry.actor.username.slice(0, MAX_ACTOR_NAME),
    userId: entry.actor.id,
    ownerId: entry.ownerId,
    jobName: entry.jobName ?? null,
    description: entry.description ?? '',
  };
}

/** Writes audit rows (every module calls it, inside its own transaction when given one) and lists them by scope. */
@Injectable()
export class AuditLogService {
  constructor(private readonly auditLogs: AuditLogRepository) {}

  async record(entry: AuditEntry, transaction?: Transaction): Promise<void> {
    await this.auditLogs.insert({ ...auditRowOf(entry), jobId: entry.jobId ?? null }, transaction);
  }

  /** Newest first, within the scope (a required argument: there is no unscoped list). */
  async list(scope: AuditScope, filters: AuditLogFilters): Promise<{ rows: AuditLog[]; total: number }> {
    return this.auditLogs.listPage(scope, filters, filters);
  }
}
