import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import { Counter, Histogram } from 'prom-client';
import type { Agent } from 'undici';
import { APP_VERSION } from '../common/app-version.js';
import type { AppConfig } from '../config/app-config.js';
import {
  type AttemptOutcome,
  type ClaimedDelivery,
  WEBHOOKS_CHANNEL,
  WebhookDeliveriesRepository,
} from '../database/repositories/webhook-deliveries.repository.js';
import { WebhooksRepository } from '../database/repositories/webhooks.repository.js';
import { AddressPolicy, addressRefusal } from '../job-classes/builtin/http/address-policy.js';
import { CONNECT_TIMEOUT_MS, createGuardedAgent } from '../job-classes/builtin/http/guarded-agent.js';
import { undici } from '../job-classes/builtin/http/undici.js';
import { Metrics } from '../metrics/metrics.service.js';
import { JobSync } from '../scheduler/job-sync.js';
import { deliveryBody, eventData } from './webhook-body.js';
import { nextRetryInMs, type RetryPolicy, statusOutcome } from './webhook-retry.js';
import { signatureOf } from './webhook-signature.js';

/** Deliveries claimed (and sent concurrently) per round trip to the database. */
const CLAIM_BATCH = 32;
/** A claimed attempt is another instance's to retry when this one has not finished it this long after its timeout. */
const LEASE_MARGIN_MS = 15_000;
const DAY_MS = 86_400_000;
const FIRST_PRUNE_AFTER_MS = 60_000;
const PRUNE_BATCH = 1_000;
/** The most of an error text kept in the log. */
const MAX_ERROR_CHARS = 500;

/** One attempt's result, before the retry policy is applied. */
interface Sent {
  outcome: 'succeeded' | 'retry' | 'failed';
  responseStatus: number | null;
  error: string | null;
}

/**
 * Sends webhook deliveries, on every instance. The queue is the `webhook_deliveries` table, filled by
 * database triggers; this claims due rows (FOR UPDATE SKIP LOCKED, so two instances never make the
 * same attempt), POSTs them through CurlJob's guarded agent (the address rules hold at every
 * connection), and records each attempt. Woken by NOTIFY as deliveries are queued, by a timer at the
 * next due retry, and by a poll every WEBHOOK_POLL_SECONDS; everything it needs is in the database,
 * so a restart or a dead replica loses nothing (an attempt cut short is retried after its lease).
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSender.name);
  private readonly settings: AppConfig['webhooks'];
  private readonly policy: RetryPolicy;
  private readonly rules: AppConfig['curl'];
  /** Built on the first delivery: undici is loaded only when a webhook is sent. */
  private agent: Agent | undefined;
  private readonly attempts: Counter<'outcome'>;
  private readonly durations: Histogram<'outcome'>;
  private pass: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private dueTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private pruneTimers: NodeJS.Timeout[] = [];
  /** Webhooks this instance marked failing since it claimed their rows (the claim's flag may be older). */
  private readonly markedFailing = new Set<string>();

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly webhooks: WebhooksRepository,
    config: ConfigService<AppConfig, true>,
    jobSync: JobSync,
    metrics: Metrics,
  ) {
    this.settings = config.get('webhooks', { infer: true });
    this.policy = this.settings;
    this.rules = config.get('curl', { infer: true });
    this.attempts = new Counter({
      name: 'cronwarden_webhook_attempts_total',
      help: 'Webhook delivery attempts this instance made, by outcome (succeeded, retrying, failed)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.durations = new Histogram({
      name: 'cronwarden_webhook_attempt_duration_seconds',
      help: 'Duration of the webhook delivery attempts this instance made, by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
    jobSync.subscribe(WEBHOOKS_CHANNEL, () => this.wake());
    jobSync.onListenerResumed(() => this.wake());
  }

  onApplicationBootstrap(): void {
    this.pollTimer = setInterval(() => this.wake(), this.settings.pollSeconds * 1000);
    this.pollTimer.unref();
    const first = setTimeout(() => void this.prune(), FIRST_PRUNE_AFTER_MS);
    const daily = setInterval(() => void this.prune(), DAY_MS);
    first.unref();
    daily.unref();
    this.pruneTimers = [first, daily];
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.dueTimer);
    for (const timer of this.pruneTimers) clearTimeout(timer);
    await this.pass;
    await this.agent?.close().catch(() => undefined);
    this.agent = undefined;
  }

  /** Looks for due deliveries now (or right after the pass under way). */
  wake(): void {
    if (this.stopping) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.drain()
      .catch((error: Error) => this.logger.warn(`Webhook delivery pass failed: ${error.message}`))
      .finally(() => {
        this.pass = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Claims and sends until nothing is due, then sets a timer for the next due attempt. */
  private async drain(): Promise<void> {
    const leaseMs = this.settings.timeoutMs + LEASE_MARGIN_MS;
    for (;;) {
      if (this.stopping) return;
      this.again = false;
      const claimed = await this.deliveries.claimDue(CLAIM_BATCH, leaseMs);
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      if (claimed.length < CLAIM_BATCH && !this.again) break;
    }
    await this.timeNextDue();
  }

  private async timeNextDue(): Promise<void> {
    const due = await this.deliveries.nextDueTime();
    clearTimeout(this.dueTimer);
    if (!due || this.stopping) return;
    const inMs = Math.max(0, due.getTime() - Date.now());
    if (inMs >= this.settings.pollSeconds * 1000) return; // the poll comes first
    this.dueTimer = setTimeout(() => this.wake(), inMs + 5);
    this.dueTimer.unref();
  }

  /** Makes one attempt of a claimed delivery and records it; never throws. */
  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    try {
      if (!delivery.active) {
        const error = `not sent: the webhook is inactive (${delivery.disabledReason ?? 'disabled'})`;
        await this.record(delivery, { status: 'failed', responseStatus: null, durationMs: 0, error }, false);
        return;
      }
      const body =
        delivery.body ??
        deliveryBody(
          delivery.id,
          delivery.event,
          delivery.createdTime,
          eventData(delivery.event, delivery.snapshot ?? {}, this.deliveries),
        );
      const started = performance.now();
      const sent = await this.post(delivery, body);
      const durationMs = Math.round(performance.now() - started);
      let outcome: AttemptOutcome;
      if (sent.outcome === 'retry') {
        const retryInMs = nextRetryInMs(
          delivery.attempt,
          { startAttempt: delivery.roundStartAttempt, startedTime: delivery.roundStartedTime },
          this.policy,
        );
        outcome =
          retryInMs === null
            ? { ...sent, status: 'failed', durationMs, error: `${sent.error ?? 'failed'}; no retries left` }
            : { ...sent, status: 'retrying', durationMs, retryInMs };
      } else {
        outcome = { ...sent, status: sent.outcome, durationMs };
      }
      this.durations.observe({ outcome: outcome.status }, durationMs / 1000);
      await this.record(delivery, outcome, true, body);
    } catch (error) {
      this.logger.warn(
        `Webhook delivery ${delivery.id} attempt ${delivery.attempt} failed: ${(error as Error).message}`,
      );
      await this.record(
        delivery,
        { status: 'failed', responseStatus: null, durationMs: 0, error: `not sent: ${(error as Error).message}` },
        false,
      ).catch(() => undefined);
    }
  }

  private async record(
    delivery: ClaimedDelivery,
    outcome: AttemptOutcome,
    counts: boolean,
    body: string | null = null,
  ): Promise<void> {
    if (!(await this.deliveries.finish(delivery.id, delivery.attempt, outcome, delivery.body === null ? body : null))) {
      return;
    }
    this.attempts.inc({ outcome: outcome.status });
    if (!counts) return;
    if (outcome.status === 'succeeded') {
      if (delivery.failing || this.markedFailing.has(delivery.webhookId)) {
        this.markedFailing.delete(delivery.webhookId);
        await this.webhooks.markSucceeded(delivery.webhookId);
      }
      return;
    }
    this.markedFailing.add(delivery.webhookId);
    if (await this.webhooks.markFailed(delivery.webhookId, this.settings.disableAfterSeconds, outcome.error ?? '')) {
      this.logger.warn(`Webhook ${delivery.webhookId} disabled: every delivery failed for too long`);
    }
  }

  /** CurlJob's guarded agent with the webhook timeouts, built on first use from HTTP_JOB_DENY and HTTP_JOB_ALLOW. */
  private guardedAgent(): Agent {
    this.agent ??= createGuardedAgent(new AddressPolicy(this.rules.deny, this.rules.allow), {
      connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, this.settings.timeoutMs),
      headersTimeoutMs: this.settings.timeoutMs,
      bodyTimeoutMs: this.settings.timeoutMs,
    });
    return this.agent;
  }

  /** One POST, with the signature of the exact bytes sent. */
  private async post(delivery: ClaimedDelivery, body: string): Promise<Sent> {
    const deadline = AbortSignal.timeout(this.settings.timeoutMs);
    try {
      const response = await undici().request(delivery.url, {
        dispatcher: this.guardedAgent(),
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': `Cronwarden-Webhook/${APP_VERSION}`,
          'x-cronwarden-event': delivery.event,
          'x-cronwarden-delivery': delivery.id,
          'x-cronwarden-attempt': String(delivery.attempt),
          'x-cronwarden-signature': signatureOf(delivery.secret, body),
        },
        body,
        signal: deadline,
      });
      await response.body.dump({ limit: 65_536 }).catch(() => undefined);
      const status = response.statusCode;
      const outcome = statusOutcome(status);
      const error =
        outcome === 'succeeded'
          ? null
          : status < 400
            ? `HTTP ${status}: redirects are not followed`
            : `HTTP ${status}${outcome === 'failed' ? ' (a 4xx answer is final: not retried)' : ''}`;
      return { outcome, responseStatus: status, error };
    } catch (error) {
      const refusal = addressRefusal(error);
      if (refusal) return { outcome: 'failed', responseStatus: null, error: clip(refusal.message) };
      if (deadline.aborted) {
        return { outcome: 'retry', responseStatus: null, error: `no answer within ${this.settings.timeoutMs} ms` };
      }
      return { outcome: 'retry', responseStatus: null, error: clip(`connection failed: ${causeText(error)}`) };
    }
  }

  private async prune(): Promise<void> {
    try {
      const deleted = await this.deliveries.pruneFinished(
        this.settings.retentionDays,
        PRUNE_BATCH,
        () => this.stopping,
      );
      if (deleted > 0) this.logger.log(`Retention: deleted ${deleted} webhook deliveries`);
    } catch (error) {
      this.logger.warn(`Webhook delivery retention failed: ${(error as Error).message}`);
    }
  }
}

function clip(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/** The message of a failed connection, or of its cause (`connect ECONNREFUSED 127.0.0.1:9`). */
function causeText(error: unknown): string {
  type Failure = { message?: unknown; code?: unknown; cause?: Failure; errors?: Failure[] } | null | undefined;
  const failure = error as Failure;
  for (const candidate of [failure?.cause, failure?.cause?.errors?.[0], failure?.errors?.[0], failure]) {
    const text = candidate?.message || candidate?.code;
    if (typeof text === 'string' && text !== '') return text;
  }
  return 'unknown error';
}
