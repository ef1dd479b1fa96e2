import type { PgPool } from './pg-pool.js';
import type { Transaction } from './transactions.js';

/** The NOTIFY channels instances talk on (the names are part of the replicas' protocol: never rename one). */
export const JOB_CHANGES_CHANNEL = 'cronwarden_job_changes';
/** `{execution, instance}`: a stop requested through another instance; the one running it kills the work. */
export const EXECUTION_STOPS_CHANNEL = 'cronwarden_execution_stops';
/** `{owner}`: the rights of that user (null: of any user, a role changed) changed; jobs' suspensions are reviewed. */
export const OWNER_RIGHTS_CHANNEL = 'cronwarden_owner_rights';
/** `{paused}`: the scheduler switch changed (a pause or a resume); every instance re-reads it. */
export const SCHEDULER_SWITCH_CHANNEL = 'cronwarden_scheduler_switch';

/** Sends `payload` on `channel` to every listening instance when `transaction` commits (never if it rolls back). */
export async function notify(transaction: Transaction, channel: string, payload: string): Promise<void> {
  await transaction.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/** Sends each of `payloads` on `channel` at once, outside any transaction, in their order (one statement). */
export async function notifyInOrder(pool: PgPool, channel: string, payloads: readonly string[]): Promise<void> {
  await pool.query(
    `SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS u(payload, n) ORDER BY n`,
    [channel, payloads],
  );
}
