import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import type { ExecutionState } from '../database/entities/execution.entity.js';
import { InstanceIdentity } from './instance.js';
import { OwnerRights, refusalSql } from './owner-rights.js';
import { PgPool } from '../database/pg-pool.js';

/** A fire proposed by a timer: `scheduled` is the fire time, `following` the next one after it. */
export interface ProposedFire {
  jobId: string;
  scheduled: Date;
  following: Date | null;
}

/** An execution row this instance created and must now run (state `running`) or that it recorded only. */
export interface ClaimedExecution {
  executionId: string;
  jobId: string;
  ownerId: string | null;
  jobName: string;
  jobClassString: string;
  pubArgs: unknown[];
  timeoutSeconds: number;
  scheduledTime: Date;
  state: ExecutionState;
}

interface ClaimedRow {
  id: string;
  job_id: string;
  owner_id: string | null;
  name: string;
  job_class_string: string;
  pub_args: unknown[];
  timeout_seconds: number;
  scheduled_time: Date;
  state: ExecutionState;
}

/** A claim's outcome: the executions it recorded, and how many fires of suspended jobs it passed over (no row). */
export interface ClaimResult {
  executions: ClaimedExecution[];
  suspended: number;
}

/** What run now did: started an execution, or why not. */
export type RunNowOutcome =
  | { kind: 'started'; execution: ClaimedExecution }
  | { kind: 'missing' }
  | { kind: 'refused'; reason: string }
  | { kind: 'max_instances'; running: number; maxInstances: number }
  | { kind: 'max_running_per_user'; running: number; limit: number };

/** A fire of a suspended job, passed over by the claim (next_run_time advanced, nothing recorded). */
interface SuspendedRow {
  id: null;
  job_id: string;
  state: 'suspended';
}

interface RunNowRow {
  verdict: 'refused' | 'max_instances' | 'max_running_per_user' | 'started';
  refusal: string | null;
  running: number;
  owner_running: number;
  max_instances: number;
  job_id: string;
  owner_id: string | null;
  name: string;
  job_class_string: string;
  pub_args: unknown[];
  timeout_seconds: number;
  /** The execution's, when started. */
  id: string | null;
  scheduled_time: Date | null;
}

type CatchUpRow = { scheduled: Date; state: ExecutionState; description: string };

/** First key of the advisory lock a run now holds on its job's owner (the second is the owner's hash): "runs". */
const RUNNING_OF_OWNER_LOCK = 0x72756e73;

export interface CatchUpPlan {
  jobId: string;
  /** The job's next_run_time this plan was made from: nothing happens if it changed meanwhile. */
  expectedNext: Date;
  /** Fires to run (state running, or skipped past max_instances), oldest first, each with its description. */
  runs: Array<{ scheduled: Date; description: string }>;
  /** Fires recorded as `missed` (older than the misfire grace), oldest first, each with its description. */
  missed: Array<{ scheduled: Date; description: string }>;
  /** New next_run_time. */
  next: Date | null;
}

const toClaimed = (row: ClaimedRow): ClaimedExecution => ({
  executionId: row.id,
  jobId: row.job_id,
  ownerId: row.owner_id,
  jobName: row.name,
  jobClassString: row.job_class_string,
  pubArgs: row.pub_args,
  timeoutSeconds: row.timeout_seconds,
  scheduledTime: row.scheduled_time,
  state: row.state,
});

/**
 * The database decides who runs a fire. Every claim is an `INSERT ... ON CONFLICT (job_id,
 * scheduled_time) DO NOTHING` together with the advance of the job's `next_run_time`, so however
 * many timers (or instances) propose the same fire, one execution row is written, once.
 */
@Injectable()
export class FireClaimer {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
    private readonly instance: InstanceIdentity,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly rights: OwnerRights,
  ) {}

  private get maxRunningPerUser(): number {
    return this.config.get('limits.maxRunningPerUser', { infer: true });
  }

  /**
   * Claims on-time fires of many jobs in one statement. A fire is claimed only while the job is
   * active and its next_run_time still is that fire; it starts `running` unless `max_instances`
   * executions of the job are already running (across every instance), then it is `skipped`.
   * Rights are checked in the same statement: when the owner is disabled or no longer holds the
   * permission the class needs, the fire is `skipped` with the reason, and the job is marked
   * suspended (`suspended_reason`): its later fires are claimed (next_run_time moves on) without an
   * execution row, until the owner may run it again, which lifts the suspension.
   * Instances claiming the same fires lock the jobs' rows in id order (so they never deadlock): the
   * first commits, the others then find next_run_time moved on and claim nothing; the unique
   * `(job_id, scheduled_time)` index stays the last guard. Rows are inserted in id order too.
   */
  async claim(fires: ProposedFire[]): Promise<ClaimResult> {
    if (fires.length === 0) return { executions: [], suspended: 0 };
    const { rows } = await this.pool.query<ClaimedRow | SuspendedRow>({
      name: 'cronwarden_claim_fires',
      text: `
        WITH input AS (
          SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS i(job_id, scheduled_time, following)
        ), locked AS (
          SELECT j.id, j.name, j.job_class_string, j.pub_args, j.timeout_seconds, j.owner_id, j.max_instances,
                 j.suspended_reason, i.scheduled_time, i.following, ${refusalSql('j', 'u', '$8', '$9')} AS refusal
            FROM input i JOIN jobs j ON j.id = i.job_id JOIN users u ON u.id = j.owner_id
           WHERE NOT j.paused AND j.next_run_time = i.scheduled_time
           ORDER BY j.id
             FOR UPDATE OF j
        ), due AS (
          SELECT l.*,
                 (SELECT count(*) FROM executions r WHERE r.job_id = l.id AND r.state = 'running') AS running,
                 (SELECT count(*) FROM executions r WHERE r.owner_id = l.owner_id AND r.state = 'running') AS owner_running
            FROM locked l
        ), decided AS (
          SELECT due.*, refusal IS NULL AND running < max_instances AND owner_running < $7 AS starts,
                 -- a suspended job's fires leave no row: only the first refused one is recorded
                 refusal IS NULL OR suspended_reason IS NULL AS recorded
            FROM due
        ), claimed AS (
          INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                  started_time, hostname, pid, instance_id, description)
          SELECT id, name, job_class_string, owner_id,
                 CASE WHEN starts THEN 'running' ELSE 'skipped' END, 'cron', scheduled_time,
                 CASE WHEN starts THEN clock_timestamp() END, $4, $5, $6,
                 CASE WHEN starts THEN ''
                      WHEN refusal IS NOT NULL THEN 'skipped: ' || refusal
                      WHEN running >= max_instances
                        THEN 'skipped: ' || running || ' executions running, max_instances is ' || max_instances
                      ELSE 'skipped: the owner already has ' || owner_running || ' executions running (MAX_RUNNING_PER_USER)' END
            FROM decided WHERE recorded ORDER BY id
          ON CONFLICT (job_id, scheduled_time) DO NOTHING
          RETURNING id, job_id, owner_id, scheduled_time, state
        ), advanced AS (
          UPDATE jobs j SET next_run_time = d.following, suspended_reason = d.refusal
            FROM due d WHERE j.id = d.id AND j.next_run_time = d.scheduled_time
          RETURNING j.id
        )
        SELECT c.id, c.job_id, c.owner_id, c.scheduled_time, c.state, d.name, d.job_class_string, d.pub_args,
               d.timeout_seconds
          FROM claimed c JOIN due d ON d.id = c.job_id
        UNION ALL
        SELECT NULL, d.id, d.owner_id, d.scheduled_time, 'suspended', NULL, NULL, NULL, NULL
          FROM decided d WHERE NOT d.recorded`,
      values: [
        fires.map((fire) => fire.jobId),
        fires.map((fire) => fire.scheduled),
        fires.map((fire) => fire.following),
        this.instance.hostname,
        this.instance.pid,
        this.instance.id,
        this.maxRunningPerUser,
        ...this.rights.requirements(),
      ],
    });
    const executions: ClaimedExecution[] = [];
    let suspended = 0;
    for (const row of rows) {
      if (row.state === 'suspended') suspended += 1;
      else executions.push(toClaimed(row));
    }
    return { executions, suspended };
  }

  /**
   * Applies the misfire rules' plan for one job that fell behind: under the job's row lock (so
   * instances doing the same wait for each other), only if next_run_time is still what the plan was
   * made from; runs count running executions one by one for max_instances. When the owner may not
   * run the job (disabled, or without the permission its class needs), nothing runs: the latest fire
   * is recorded `skipped` with the reason unless the job already is suspended, and it is marked so.
   */
  async catchUp(plan: CatchUpPlan): Promise<ClaimedExecution[]> {
    return this.dataSource.transaction(async (manager) => {
      const locked: Array<{ max_instances: number; suspended_reason: string | null }> = await manager.query(
        `SELECT j.max_instances, j.suspended_reason FROM jobs j
          WHERE j.id = $1 AND NOT j.paused AND j.next_run_time = $2 FOR UPDATE OF j`,
        [plan.jobId, plan.expectedNext],
      );
      if (locked.length === 0) return [];
      // The row lock was taken after the snapshot of that statement: count now, to see committed starts.
      const [{ running, owner_running, refusal }]: Array<{
        running: string;
        owner_running: string;
        refusal: string | null;
      }> = await manager.query(
        `SELECT (SELECT count(*) FROM executions WHERE job_id = $1 AND state = 'running') AS running,
                (SELECT count(*) FROM executions r JOIN jobs j ON j.owner_id = r.owner_id
                  WHERE j.id = $1 AND r.state = 'running') AS owner_running,
                (SELECT ${refusalSql('j', 'u', '$2', '$3')} FROM jobs j JOIN users u ON u.id = j.owner_id
                  WHERE j.id = $1) AS refusal`,
        [plan.jobId, ...this.rights.requirements()],
      );
      const rows: CatchUpRow[] =
        refusal === null ? this.catchUpRows(plan, locked[0].max_instances, running, owner_running) : [];
      const latest = plan.runs.at(-1) ?? plan.missed.at(-1);
      if (refusal !== null && locked[0].suspended_reason === null && latest) {
        rows.push({ scheduled: latest.scheduled, state: 'skipped', description: `skipped: ${refusal}` });
      }
      const claimed: ClaimedRow[] = rows.length
        ? await manager.query(
            `WITH input AS (
               SELECT * FROM unnest($2::timestamptz[], $3::text[], $4::text[]) AS i(scheduled_time, state, description)
             ), claimed AS (
               INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                       started_time, hostname, pid, instance_id, description)
               SELECT j.id, j.name, j.job_class_string, j.owner_id, i.state, 'cron', i.scheduled_time,
                      CASE WHEN i.state = 'running' THEN clock_timestamp() END,
                      CASE WHEN i.state = 'running' THEN $5 END, CASE WHEN i.state = 'running' THEN $6::int END,
                      CASE WHEN i.state = 'running' THEN $7 END, i.description
                 FROM input i CROSS JOIN jobs j WHERE j.id = $1
               ON CONFLICT (job_id, scheduled_time) DO NOTHING
               RETURNING id, job_id, owner_id, scheduled_time, state
             )
             SELECT c.id, c.job_id, c.owner_id, c.scheduled_time, c.state, j.name, j.job_class_string, j.pub_args,
                    j.timeout_seconds
               FROM claimed c JOIN jobs j ON j.id = c.job_id`,
            [
              plan.jobId,
              rows.map((row) => row.scheduled),
              rows.map((row) => row.state),
              rows.map((row) => row.description),
              this.instance.hostname,
              this.instance.pid,
              this.instance.id,
            ],
          )
        : [];
      await manager.query(`UPDATE jobs SET next_run_time = $2, suspended_reason = $3 WHERE id = $1`, [
        plan.jobId,
        plan.next,
        refusal,
      ]);
      return claimed.map(toClaimed);
    });
  }

  /** The plan's rows when the owner may run the job: missed ones, then runs while slots last, the rest skipped. */
  private catchUpRows(plan: CatchUpPlan, maxInstances: number, running: string, ownerRunning: string): CatchUpRow[] {
    let slots = Math.min(maxInstances - Number(running), this.maxRunningPerUser - Number(ownerRunning));
    return [
      ...plan.missed.map((fire) => ({ ...fire, state: 'missed' as const })),
      ...plan.runs.map((fire) => {
        const state = slots > 0 ? ('running' as const) : ('skipped' as const);
        if (state === 'running') slots -= 1;
        const description =
          state === 'running'
            ? fire.description
            : `skipped: max_instances (${maxInstances}) or MAX_RUNNING_PER_USER reached`;
        return { ...fire, state, description };
      }),
    ];
  }

  /**
   * "Run now": one execution started at once, paused or not, beside the schedule, limited like a
   * scheduled fire. In one transaction: the job's row and its owner's advisory lock are taken first
   * (so run-nows of the job, and of any job of the owner, take turns, and a scheduled claim of the
   * job waits too), then one statement checks the owner's rights, `max_instances` and
   * MAX_RUNNING_PER_USER and inserts the execution only when all allow it. That statement starts
   * after the locks are held, so its snapshot sees every execution inserted by whoever held them
   * before: no check-then-insert race (six concurrent run-nows of a job with max_instances 1 start
   * exactly one).
   */
  async runNow(jobId: string): Promise<RunNowOutcome> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const locked = await client.query({
        name: 'cronwarden_run_now_lock',
        text: `WITH job AS (SELECT owner_id FROM jobs WHERE id = $1 FOR UPDATE)
               SELECT pg_advisory_xact_lock(${RUNNING_OF_OWNER_LOCK}, hashtext(owner_id::text)) FROM job`,
        values: [jobId],
      });
      if (locked.rowCount === 0) {
        await client.query('ROLLBACK');
        return { kind: 'missing' };
      }
      const { rows } = await client.query<RunNowRow>({
        name: 'cronwarden_run_now',
        text: `
          WITH job AS (
            SELECT j.id, j.name, j.job_class_string, j.pub_args, j.timeout_seconds, j.owner_id, j.max_instances,
                   ${refusalSql('j', 'u', '$5', '$6')} AS refusal,
                   (SELECT count(*) FROM executions r WHERE r.job_id = j.id AND r.state = 'running')::int AS running,
                   (SELECT count(*) FROM executions r
                     WHERE r.owner_id = j.owner_id AND r.state = 'running')::int AS owner_running
              FROM jobs j JOIN users u ON u.id = j.owner_id WHERE j.id = $1
          ), decided AS (
            SELECT job.*, CASE WHEN refusal IS NOT NULL THEN 'refused'
                               WHEN running >= max_instances THEN 'max_instances'
                               WHEN owner_running >= $7 THEN 'max_running_per_user'
                               ELSE 'started' END AS verdict
              FROM job
          ), claimed AS (
            INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                    started_time, hostname, pid, instance_id, description)
            SELECT id, name, job_class_string, owner_id, 'running', 'manual', clock_timestamp(), clock_timestamp(),
                   $2, $3, $4, ''
              FROM decided WHERE verdict = 'started'
            RETURNING id, scheduled_time
          )
          SELECT d.verdict, d.refusal, d.running, d.owner_running, d.max_instances, d.id AS job_id, d.owner_id,
                 d.name, d.job_class_string, d.pub_args, d.timeout_seconds, c.id, c.scheduled_time
            FROM decided d LEFT JOIN claimed c ON true`,
        values: [
          jobId,
          this.instance.hostname,
          this.instance.pid,
          this.instance.id,
          ...this.rights.requirements(),
          this.maxRunningPerUser,
        ],
      });
      await client.query('COMMIT');
      const row = rows[0];
      if (!row) return { kind: 'missing' };
      switch (row.verdict) {
        case 'refused':
          return { kind: 'refused', reason: row.refusal ?? '' };
        case 'max_instances':
          return { kind: 'max_instances', running: row.running, maxInstances: row.max_instances };
        case 'max_running_per_user':
          return { kind: 'max_running_per_user', running: row.owner_running, limit: this.maxRunningPerUser };
        case 'started':
          return {
            kind: 'started',
            execution: toClaimed({
              ...row,
              id: row.id ?? '',
              scheduled_time: row.scheduled_time ?? new Date(),
              state: 'running',
            }),
          };
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
