/** The logic of the webhooks UI, apart from React (tested in webhooks.spec.ts). */
import type { Schemas } from './api/client';

export type WebhookEvent = Schemas['CreateWebhookDto']['events'][number];

/**
 * Every event a webhook can subscribe to, in the order of the API's contract, with what it means (a
 * Record, so an event the API adds is a compile error here until it is described).
 */
const EVENT_DESCRIPTIONS: Record<WebhookEvent, string> = {
  'execution.succeeded': 'a run ended well',
  'execution.failed': 'a run failed',
  'execution.timeout': 'a run took longer than its timeout',
  'execution.missed': 'a fire was missed (past its misfire grace)',
  'execution.skipped': 'a fire was skipped (max instances running)',
  'execution.stopped': 'a run was stopped',
  'job.paused': 'the job was paused',
  'job.resumed': 'the job was resumed',
  'job.deleted': 'the job was deleted',
};

export const WEBHOOK_EVENTS: { value: WebhookEvent; description: string }[] = (
  Object.keys(EVENT_DESCRIPTIONS) as WebhookEvent[]
).map((value) => ({ value, description: EVENT_DESCRIPTIONS[value] }));

/** What a new webhook starts with: the events nobody wants to miss. */
export const DEFAULT_EVENTS: WebhookEvent[] = ['execution.failed', 'execution.timeout'];

export function isWebhookEvent(value: string): value is WebhookEvent {
  return Object.hasOwn(EVENT_DESCRIPTIONS, value);
}

export interface WebhookRequest {
  url: string;
  events: WebhookEvent[];
  job_id?: string;
}

/** What POST /webhooks gets: the URL trimmed, the events in the contract's order, a job only when one is chosen. */
export function webhookRequest(url: string, chosen: readonly string[], jobId: string | null): WebhookRequest {
  const request: WebhookRequest = {
    url: url.trim(),
    events: WEBHOOK_EVENTS.map((event) => event.value).filter((event) => chosen.includes(event)),
  };
  if (jobId) request.job_id = jobId;
  return request;
}

export const WEBHOOK_FIELDS = ['url', 'events', 'job_id'] as const;
export type WebhookField = (typeof WEBHOOK_FIELDS)[number];

/**
 * Splits the API's refusal of a new webhook into messages for its fields and the rest (shown above
 * the form): `url …` and `url: …` belong to the URL, class-validator's `each value in events …` and
 * `events …` to the events, `job_id …` and a 404 `Job not found` to the job.
 */
export function webhookFieldProblems(
  status: number,
  messages: readonly string[],
): { fields: Partial<Record<WebhookField, string>>; other: string[] } {
  const result: { fields: Partial<Record<WebhookField, string>>; other: string[] } = { fields: {}, other: [] };
  for (const message of messages) {
    const field: WebhookField | null = /^url\b/.test(message)
      ? 'url'
      : /^(each value in )?events\b/.test(message)
        ? 'events'
        : /^job_id\b/.test(message) || (status === 404 && /^Job\b/.test(message))
          ? 'job_id'
          : null;
    if (field !== null && result.fields[field] === undefined) result.fields[field] = message;
    else result.other.push(message);
  }
  return result;
}

/**
 * Which jobs a webhook covers, for people: one job's name, or all of the owner's ("All my jobs"; an
 * admin's own covers every job; another user's, seen by an admin, "All of alice's jobs").
 */
export function coverageText(
  jobId: string | null,
  jobNames: ReadonlyMap<string, string>,
  who: { mine: boolean; admin: boolean; owner: string },
): string {
  if (jobId !== null) return jobNames.get(jobId) ?? `Job ${jobId.slice(0, 8)}…`;
  if (!who.mine) return `All of ${who.owner}’s jobs`;
  return who.admin ? 'All jobs' : 'All my jobs';
}

/** A delivery's status for people: pending shows its attempt count, so a retry is visible. */
export function deliveryStatusText(delivery: { status: string; attempt: number }): string {
  if (delivery.status === 'pending') return delivery.attempt > 0 ? `retrying (${delivery.attempt} so far)` : 'pending';
  return delivery.status;
}

/** The colour of a delivery status (as the execution states: teal good, red bad, blue on its way). */
export const DELIVERY_COLOURS: Record<string, string> = {
  succeeded: 'teal',
  failed: 'red',
  pending: 'blue',
  retrying: 'orange',
};

/** Milliseconds of one attempt as `340 ms` or `1.2 s`; none yet as a dash. */
export function attemptDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** While a delivery is pending the log is refreshed every second; otherwise every 10 s. */
export function deliveriesRefetchMs(deliveries: readonly { status: string }[] | undefined): number {
  return deliveries?.some((delivery) => delivery.status === 'pending') ? 1000 : 10_000;
}
