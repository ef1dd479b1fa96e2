import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { type OwnerScope, ownerCondition } from '../../access/owner-scope.js';
import { isUuid } from '../../common/uuid.js';
import { Webhook } from '../entities/webhook.entity.js';

export interface NewWebhook {
  ownerId: string;
  jobId: string | null;
  url: string;
  events: string[];
  secret: string;
}

export interface WebhookChanges {
  url?: string;
  events?: string[];
  active?: boolean;
  disabledReason?: string | null;
}

/** The `webhooks` table: registration, scoped look-ups, and the sender's success/failure marks. */
@Injectable()
export class WebhooksRepository {
  private readonly rows: Repository<Webhook>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.rows = dataSource.getRepository(Webhook);
  }

  async create(webhook: NewWebhook): Promise<Webhook> {
    const saved = await this.rows.save(this.rows.create({ ...webhook, active: true }));
    return (await this.rows.findOne({ where: { id: saved.id }, relations: { owner: true } })) ?? saved;
  }

  /** Webhooks within `scope`, newest first; `jobId` narrows to those of one job. */
  async listForScope(
    scope: OwnerScope,
    filters: { jobId?: string },
    page: { limit: number; offset: number },
  ): Promise<{ rows: Webhook[]; total: number }> {
    const [rows, total] = await this.rows.findAndCount({
      where: { ...ownerCondition(scope), ...(filters.jobId ? { jobId: filters.jobId } : {}) },
      relations: { owner: true },
      order: { createdTime: 'DESC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { rows, total };
  }

  /** The webhook `id` when `scope` covers it, else null (a malformed id is simply not found). */
  async findForScope(scope: OwnerScope, id: string): Promise<Webhook | null> {
    if (!isUuid(id)) return null;
    return this.rows.findOne({ where: { id, ...ownerCondition(scope) }, relations: { owner: true } });
  }

  async update(id: string, changes: WebhookChanges): Promise<void> {
    const set: Partial<Webhook> = {};
    if (changes.url !== undefined) set.url = changes.url;
    if (changes.events !== undefined) set.events = changes.events;
    if (changes.active !== undefined) {
      set.active = changes.active;
      // Enabled again: the failure clock starts afresh.
      if (changes.active) set.failingSince = null;
    }
    if (changes.disabledReason !== undefined) set.disabledReason = changes.disabledReason;
    await this.rows.update({ id }, set);
  }

  async delete(id: string): Promise<void> {
    await this.rows.delete({ id });
  }

  /** The owner of job `jobId`, or null when there is no such job. */
  async jobOwner(jobId: string): Promise<string | null> {
    if (!isUuid(jobId)) return null;
    const rows: Array<{ owner_id: string }> = await this.dataSource.query('SELECT owner_id FROM jobs WHERE id = $1', [
      jobId,
    ]);
    return rows[0]?.owner_id ?? null;
  }

  /** A delivery got through: the webhook is no longer failing. */
  async markSucceeded(id: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL',
      [id],
    );
  }

  /**
   * An attempt failed: starts the failure clock, and disables the webhook when every attempt has
   * failed for `disableAfterSeconds`. Returns true when this call disabled it.
   */
  async markFailed(id: string, disableAfterSeconds: number, lastError: string): Promise<boolean> {
    const rows: Array<{ disabled: boolean }> = await this.dataSource.query(
      `WITH before AS (SELECT id, active, COALESCE(failing_since, now()) AS since FROM webhooks WHERE id = $1 FOR UPDATE)
       UPDATE webhooks w
          SET failing_since = b.since,
              active = w.active AND b.since > now() - make_interval(secs => $2),
              disabled_reason = CASE WHEN w.active AND b.since <= now() - make_interval(secs => $2)
                THEN format('every delivery failed for %s (since %s); last error: %s', $3::text,
                       to_char(b.since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), $4::text)
                ELSE w.disabled_reason END,
              updated_time = CASE WHEN w.active AND b.since <= now() - make_interval(secs => $2)
                THEN now() ELSE w.updated_time END
         FROM before b
        WHERE w.id = b.id
       RETURNING (b.active AND NOT w.active) AS disabled`,
      [id, disableAfterSeconds, humanSeconds(disableAfterSeconds), lastError],
    );
    return rows[0]?.disabled ?? false;
  }
}

/** `86400` → `24 h`, `90` → `90 s`. */
export function humanSeconds(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 86400 * 2) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
