import { toExecutionResponse } from '../executions/dto/execution.response.js';
import { toJobResponse } from '../jobs/dto/job.response.js';
import type { WebhookDeliveriesRepository } from '../database/repositories/webhook-deliveries.repository.js';

/** What a delivery POSTs: `{id, event, created_time, data}`, the timestamp inside the signed body. */
export interface DeliveryBody {
  id: string;
  event: string;
  created_time: string;
  data: unknown;
}

export function deliveryBody(id: string, event: string, createdTime: Date, data: unknown): string {
  const body: DeliveryBody = { id, event, created_time: createdTime.toISOString(), data };
  return JSON.stringify(body);
}

/**
 * `data` of an event from the row its trigger captured: the execution object of
 * GET /api/v1/executions/:id for `execution.*`, the job object of GET /api/v1/jobs/:id for `job.*`
 * (for `job.deleted`, the job as it was just before).
 */
export function eventData(
  event: string,
  snapshot: Record<string, unknown>,
  rows: Pick<WebhookDeliveriesRepository, 'executionFromSnapshot' | 'jobFromSnapshot'>,
): unknown {
  if (event.startsWith('execution.')) return toExecutionResponse(rows.executionFromSnapshot(snapshot));
  if (event.startsWith('job.')) return toJobResponse(rows.jobFromSnapshot(snapshot));
  throw new Error(`No data for the event ${event}`);
}
