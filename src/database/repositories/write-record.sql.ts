import type { AuditLog } from '../entities/audit-log.entity.js';

/** An audit entry as written (its id and time come from the database). */
export type AuditRow = Pick<AuditLog, 'event' | 'user' | 'userId' | 'ownerId' | 'jobId' | 'jobName' | 'description'>;

/** A NOTIFY sent when the write commits. */
export interface ChannelNotice {
  channel: string;
  payload: string;
}

/**
 * What a write of a row records in the statement that makes it: its audit entry (its `job_id` is the
 * written row's id) and the notice to the other instances.
 */
export interface WriteRecord {
  audit: Omit<AuditRow, 'jobId'>;
  notice: ChannelNotice;
}

/**
 * SQL text: the CTEs `audit` and `notice` that record a write in the statement that makes it, once per
 * row returned by the earlier CTE `changed` (which returns `id`): nothing is recorded when nothing was
 * written. Appends their values to `values`; starts with a comma. A SELECT CTE runs only when read, so
 * the statement's final SELECT must read `notice` (e.g. `(SELECT count(*) FROM notice)`).
 */
export function writeRecordSql(changed: string, record: WriteRecord, values: unknown[]): string {
  const { audit, notice } = record;
  const first = values.length + 1;
  values.push(
    audit.event,
    audit.user,
    audit.userId,
    audit.ownerId,
    audit.jobName,
    audit.description,
    notice.channel,
    notice.payload,
  );
  const p = (offset: number): string => `$${first + offset}`;
  return `,
    audit AS (
      INSERT INTO audit_logs (job_id, job_name, event, "user", user_id, owner_id, description)
      SELECT id, ${p(4)}::text, ${p(0)}::text, ${p(1)}::text, ${p(2)}::uuid, ${p(3)}::uuid, ${p(5)}::text FROM ${changed}
    ), notice AS (
      SELECT pg_notify(${p(6)}::text, ${p(7)}::text) FROM ${changed}
    )`;
}
