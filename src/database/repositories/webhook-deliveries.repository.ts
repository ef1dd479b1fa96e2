import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityTarget, type Repository } from 'typeorm';
import { Execution } from '../entities/execution.entity.js';
import { Job } from '../entities/job.entity.js';
import { User } from '../entities/user.entity.js';
import type { DeliveryAttempt, DeliveryStatus } from '../entities/webhook-delivery.entity.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import { isUuid } from '../../common/uuid.js';

/** The channel the delivery queue's insert trigger NOTIFYs (migration CreateWebhooks). */
export const WEBHOOKS_CHANNEL = 'cronwarden_webhooks';
/** Held while pruning, so replicas do not prune at the same time. */
const PRUNE_LOCK_KEY = 0x77686f6f;

/** A delivery claimed for one attempt, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  event: string;
  snapshot: Record<string, unknown> | null;
  body: string | null;
  /** The number of this attempt. */
  attempt: number;
  roundStartAttempt: number;
  roundStartedTime: Date;
  createdTime: Date;
  url: string;
  secret: string;
  active: boolean;
  disabledReason: string | null;
  /** The webhook has failed attempts since its last success. */
  failing: boolean;
}

interface ClaimedRow {
  id: string;
  webhook_id: string;
  event: string;
  snapshot: Record<string, unknown> | null;
  body: string | null;
  attempt: number;
  round_start_attempt: number;
  round_started_time: Date;
  created_time: Date;
  url: string;
  secret: string;
  active: boolean;
  disabled_reason: string | null;
  failing: boolean;
}

/** How one attempt ended. `retryInMs` set: the delivery stays pending, due again after that long. */
export interface AttemptOutcome {
  status: Exclude<DeliveryStatus, 'pending'> | 'retrying';
  responseStatus: number | null;
  durationMs: number;
  error: string | null;
  retryInMs?: number;
}

/** The `webhook_deliveries` table: the queue the senders claim from, and each webhook's delivery log. */
@Injectable()
export class WebhookDeliveriesRepository {
  private readonly rows: Repository<WebhookDelivery>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.rows = dataSource.getRepository(WebhookDelivery);
  }

  /** The deliveries of one webhook, newest first. */
  async listForWebhook(
    webhookId: string,
    page: { limit: number; offset: number },
  ): Promise<{ rows: WebhookDelivery[]; total: number }> {
    const [rows, total] = await this.rows.findAndCount({
      where: { webhookId },
      order: { createdTime: 'DESC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { rows, total };
  }

  async find(webhookId: string, id: string): Promise<WebhookDelivery | null> {
    if (!isUuid(id)) return null;
    return this.rows.findOne({ where: { id, webhookId } });
  }

  /** Queues an event the application makes itself (`ping`), its body already fixed. */
  async enqueue(delivery: {
    id: string;
    webhookId: string;
    event: string;
    body: string;
    createdTime: Date;
  }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO webhook_deliveries (id, webhook_id, event, body, created_time, round_started_time)
       VALUES ($1, $2, $3, $4, $5, $5)`,
      [delivery.id, delivery.webhookId, delivery.event, delivery.body, delivery.createdTime],
    );
  }

  /**
   * Makes a finished delivery due again at once, as a new round of attempts (same id and body).
   * False when it is still pending.
   */
  async redeliver(webhookId: string, id: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, affected]: [unknown, number] = await manager.query(
        `UPDATE webhook_deliveries
            SET status = 'pending', next_attempt_time = now(), round_start_attempt = attempt,
                round_started_time = now(), updated_time = now()
          WHERE id = $1 AND webhook_id = $2 AND status <> 'pending'`,
        [id, webhookId],
      );
      if (affected > 0) await manager.query('SELECT pg_notify($1, $2)', [WEBHOOKS_CHANNEL, 'due']);
      return affected > 0;
    });
  }

  /**
   * Claims up to `limit` due deliveries for one attempt each: raises `attempt` and leases the row for
   * `leaseMs` (after which, if this instance died, another claims it as the next attempt). Rows
   * another instance is claiming at the same moment are skipped, never waited for.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const [rows]: [ClaimedRow[], number] = await this.dataSource.query(
      `UPDATE webhook_deliveries d
          SET attempt = d.attempt + 1, next_attempt_time = now() + $2 * interval '1 millisecond', updated_time = now()
         FROM (SELECT id FROM webhook_deliveries
                WHERE status = 'pending' AND next_attempt_time <= now()
                ORDER BY next_attempt_time LIMIT $1 FOR UPDATE SKIP LOCKED) due, webhooks w
        WHERE d.id = due.id AND w.id = d.webhook_id
       RETURNING d.id, d.webhook_id, d.event, d.snapshot, d.body, d.attempt, d.round_start_attempt,
                 d.round_started_time, d.created_time, w.url, w.secret, w.active, w.disabled_reason,
                 w.failing_since IS NOT NULL AS failing`,
      [limit, leaseMs],
    );
    return rows.map((row) => ({
      id: row.id,
      webhookId: row.webhook_id,
      event: row.event,
      snapshot: row.snapshot,
      body: row.body,
      attempt: row.attempt,
      roundStartAttempt: row.round_start_attempt,
      roundStartedTime: row.round_started_time,
      createdTime: row.created_time,
      url: row.url,
      secret: row.secret,
      active: row.active,
      disabledReason: row.disabled_reason,
      failing: row.failing,
    }));
  }

  /**
   * Records the outcome of attempt `attempt`, only if the row is still that attempt's (a lease that
   * ran out meanwhile let another instance take it over), and the body sent when none was stored
   * (the first attempt's; one that is cut short before this is built again from the same snapshot,
   * byte for byte). Returns false when the row was not that attempt's.
   */
  async finish(id: string, attempt: number, outcome: AttemptOutcome, body: string | null): Promise<boolean> {
    const logged: DeliveryAttempt = {
      attempt,
      status: outcome.status,
      response_status: outcome.responseStatus,
      duration_ms: outcome.durationMs,
      error: outcome.error,
      time: new Date().toISOString(),
    };
    const retrying = outcome.status === 'retrying';
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE webhook_deliveries
          SET status = $3,
              next_attempt_time = CASE WHEN $4::float8 IS NULL THEN next_attempt_time
                                       ELSE now() + $4::float8 * interval '1 millisecond' END,
              response_status = $5, duration_ms = $6, error = $7,
              attempts = attempts || jsonb_build_array($8::jsonb), body = COALESCE(body, $9),
              updated_time = now()
        WHERE id = $1 AND attempt = $2 AND status = 'pending'`,
      [
        id,
        attempt,
        retrying ? 'pending' : outcome.status,
        retrying ? (outcome.retryInMs ?? 0) : null,
        outcome.responseStatus,
        outcome.durationMs,
        outcome.error,
        JSON.stringify(logged),
        body,
      ],
    );
    return affected > 0;
  }

  /** When the earliest pending delivery is due (a leased one: when its lease ends), or null. */
  async nextDueTime(): Promise<Date | null> {
    const rows: Array<{ due: Date | null }> = await this.dataSource.query(
      `SELECT min(next_attempt_time) AS due FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return rows[0]?.due ?? null;
  }

  /** Deletes finished deliveries older than `days`, in batches, on one instance at a time. */
  async pruneFinished(days: number, batch: number, stopping: () => boolean): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    let total = 0;
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        PRUNE_LOCK_KEY,
      ])) as Array<{
        locked: boolean;
      }>;
      if (!locked) return 0;
      try {
        while (!stopping()) {
          const [, affected] = (await runner.query(
            `DELETE FROM webhook_deliveries WHERE id IN (
               SELECT id FROM webhook_deliveries
                WHERE status <> 'pending' AND created_time < now() - make_interval(days => $1) LIMIT $2)`,
            [days, batch],
          )) as [unknown, number];
          total += affected;
          if (affected < batch) break;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [PRUNE_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
    return total;
  }

  /** The execution a trigger captured, as an entity (its owner's id and username only). */
  executionFromSnapshot(snapshot: Record<string, unknown>): Execution {
    const execution = this.hydrate(Execution, snapshot);
    if (execution.ownerId) execution.owner = ownerOf(execution.ownerId, snapshot);
    return execution;
  }

  /** The job a trigger captured (before it was deleted, for job.deleted), as an entity. */
  jobFromSnapshot(snapshot: Record<string, unknown>): Job {
    const job = this.hydrate(Job, snapshot);
    job.owner = ownerOf(job.ownerId, snapshot);
    return job;
  }

  /**
   * An entity from `to_jsonb(row)`: every column by its database name, timestamps (text in JSON) as
   * Dates. Columns added to the table later come along without a change here.
   */
  private hydrate<T extends object>(target: EntityTarget<T>, raw: Record<string, unknown>): T {
    const metadata = this.dataSource.getMetadata(target);
    const entity = metadata.create() as T;
    const fields = entity as Record<string, unknown>;
    for (const column of metadata.columns) {
      if (!(column.databaseName in raw)) continue;
      let value = raw[column.databaseName];
      const type = typeof column.type === 'string' ? column.type : '';
      if (typeof value === 'string' && (type.startsWith('timestamp') || column.type === Date)) value = new Date(value);
      fields[column.propertyName] = value;
    }
    return entity;
  }
}

function ownerOf(id: string, snapshot: Record<string, unknown>): User {
  const username = typeof snapshot.owner_username === 'string' ? snapshot.owner_username : '';
  return Object.assign(new User(), { id, username });
}
