/**
 * SQL text: the CTEs that write the retries of runs that just ended, in the statement that ended them.
 * `finished` names an earlier CTE returning the ended rows (`id, job_id, state, finished_time, attempt,
 * retry_of`, the new values). A run ending `failed` or `timeout` whose job still exists, is not paused
 * and has attempts left (`attempt <= retries`) gets one row: state `scheduled`, trigger `retry`,
 * attempt + 1, retry_of the first attempt, scheduled_time (when it is due) its finished_time plus the
 * delay of API.md — the n-th retry (n = the ended attempt) waits retry_delay_seconds, or with
 * retry_backoff a random value in [d/2, d], d = min(retry_delay_max_seconds, retry_delay_seconds ×
 * 2^(n-1)) — and one audit entry `retry_scheduled` (user `scheduler`, the job's owner's). The delay
 * uses the job's settings as they are when the run ends. Defines the CTEs `retry`, `retried` (the
 * inserted rows: `id, scheduled_time`) and `retry_audit`; starts with a comma.
 */
export function retriesOfSql(finished: string): string {
  return `,
    retry AS (
      SELECT f.id AS previous_id, j.id AS job_id, j.name AS job_name, j.job_class_string, j.owner_id,
             f.state AS previous_state, f.attempt + 1 AS attempt, coalesce(f.retry_of, f.id) AS retry_of,
             j.retries + 1 AS attempts,
             f.finished_time + make_interval(secs => CASE
               WHEN j.retry_backoff THEN d.ceiling * (0.5 + 0.5 * random())
               ELSE j.retry_delay_seconds::float8 END) AS due
        FROM ${finished} f
        JOIN jobs j ON j.id = f.job_id
       CROSS JOIN LATERAL (
         SELECT least(j.retry_delay_max_seconds::float8, j.retry_delay_seconds * power(2::float8, f.attempt - 1)) AS ceiling
       ) d
       WHERE f.state IN ('failed', 'timeout') AND f.attempt <= j.retries AND NOT j.paused
    ), retried AS (
      INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                              description, attempt, retry_of)
      SELECT job_id, job_name, job_class_string, owner_id, 'scheduled', 'retry', due,
             'attempt ' || attempt || ' of ' || attempts || ': retry of execution ' || retry_of
               || ' (attempt ' || (attempt - 1) || ', ' || previous_id || ', ended ' || previous_state || ')',
             attempt, retry_of
        FROM retry
      ON CONFLICT DO NOTHING
      RETURNING id, job_id, job_name, owner_id, scheduled_time, attempt, retry_of
    ), retry_audit AS (
      INSERT INTO audit_logs (job_id, job_name, event, "user", user_id, owner_id, description)
      SELECT r.job_id, r.job_name, 'retry_scheduled', 'scheduler', NULL, r.owner_id,
             'attempt ' || r.attempt || ' (execution ' || r.id || ') of execution ' || r.retry_of || ' due at '
               || to_char(r.scheduled_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        FROM retried r
    )`;
}

/** The description of a pending retry that will not run, and why: `skipped: the job was paused`. */
export const RETRY_SKIPPED_PAUSED = 'skipped: the job was paused before this retry was due';
export const RETRY_SKIPPED_DELETED = 'skipped: the job was deleted before this retry was due';

/**
 * SQL text of a statement marking the pending retries of the job in parameter `jobId` (e.g. `$1`)
 * `skipped` with the description in parameter `description` (the job is paused or deleted: its failed
 * runs are not retried).
 */
export function skipPendingRetriesSql(jobId: string, description: string): string {
  return `UPDATE executions
    SET state = 'skipped', finished_time = now(), updated_time = now(),
        description = description || '; ' || ${description}::text
  WHERE job_id = ${jobId}::uuid AND state = 'scheduled' AND trigger = 'retry'`;
}
