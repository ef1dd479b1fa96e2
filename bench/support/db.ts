import pg from 'pg';

/** A pg client to a bench server's database; closed by the caller. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export interface BenchJobs {
  count: number;
  ownerId: string;
  second: string;
  minute?: string;
  hour?: string;
  /** First fire (next_run_time) of every job. */
  firstFire: Date | null;
  paused?: boolean;
  pubArgs?: unknown[];
  maxInstances?: number;
}

/** Inserts `count` SampleJobs straight into the database (faster than the API for thousands). */
export async function insertJobs(client: pg.Client, jobs: BenchJobs): Promise<void> {
  await client.query(
    `INSERT INTO jobs (name, job_class_string, pub_args, second, minute, hour, day, month, day_of_week, timezone,
                       paused, next_run_time, max_instances, timeout_seconds, misfire_grace_seconds, coalesce, owner_id)
     SELECT 'bench-' || g, 'SampleJob', $2::jsonb, $3, $4, $5, '*', '*', '*', 'UTC', $6, $7, $8, 60, 3600, true, $9
       FROM generate_series(1, $1) g`,
    [
      jobs.count,
      JSON.stringify(jobs.pubArgs ?? ['bench']),
      jobs.second,
      jobs.minute ?? '*',
      jobs.hour ?? '*',
      jobs.paused ?? false,
      jobs.firstFire,
      jobs.maxInstances ?? 3,
      jobs.ownerId,
    ],
  );
}

export async function adminId(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`);
  return rows[0].id;
}

/** Milliseconds until the next whole second plus `extra` seconds, as a Date. */
export function wholeSecondsFromNow(extra: number): Date {
  return new Date((Math.floor(Date.now() / 1000) + 1 + extra) * 1000);
}

/**
 * One finished execution of each of an owner's jobs (up to `count`), 3 s apart going back from now, so
 * all of them are in the default range of `GET /api/v1/executions` (the last hour) for the next half hour.
 */
export async function insertExecutions(client: pg.Client, ownerId: string, count: number): Promise<void> {
  await client.query(
    `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                             started_time, finished_time, hostname, pid, description, result)
     SELECT id, name, job_class_string, owner_id, 'succeeded', 'cron', at, at + interval '5 ms',
            at + interval '9 ms', 'bench-host', 4242, '', '{"message":"bench"}'
       FROM (SELECT j.*, date_trunc('second', now()) - (row_number() OVER (ORDER BY j.name)) * interval '3 s' AS at
               FROM jobs j WHERE j.owner_id = $1 ORDER BY j.name LIMIT $2) owned`,
    [ownerId, count],
  );
}
