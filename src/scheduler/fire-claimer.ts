import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import type { ExecutionState } from '../executions/entities/execution.entity.js';
import { InstanceIdentity } from './instance.js';

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
    private readonly instance: InstanceIdentity,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private get maxRunningPerUser(): number {
    return this.config.get('limits.maxRunningPerUser', { infer: true });
  }

  private get pool(): pg.Pool {
    return (this.dataSource.driver as unknown as { master: pg.Pool }).master;
  }

  /**
   * Claims on-time fires of many jobs in one statement. A fire is claimed only while the job is
   * active and its next_run_time still is that fire; it starts `running` unless `max_instances`
   * executions of the job are already running (across every instance), then it is `skipped`.
   * Instances claiming the same fires lock the jobs' rows in id order (so they never deadlock): the
   * first commits, the others then find next_run_time moved on and claim nothing; the unique
   * `(job_id, scheduled_time)` index stays the last guard. Rows are inserted in id order too.
   */
  async claim(fires: ProposedFire[]): Promise<ClaimedExecution[]> {
    if (fires.length === 0) return [];
    const { rows } = await this.pool.query<ClaimedRow>({
      name: 'cronwarden_claim_fires',
      text: `
        WITH input AS (
          SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS i(job_id, scheduled_time, following)
        ), locked AS (
          SELECT j.id, j.name, j.job_class_string, j.pub_args, j.timeout_seconds, j.owner_id, j.max_instances,
                 i.scheduled_time, i.following
            FROM input i JOIN jobs j ON j.id = i.job_id
           WHERE NOT j.paused AND j.next_run_time = i.scheduled_time
           ORDER BY j.id
             FOR UPDATE OF j
        ), due AS (
          SELECT l.*,
                 (SELECT count(*) FROM executions r WHERE r.job_id = l.id AND r.state = 'running') AS running,
                 (SELECT count(*) FROM executions r WHERE r.owner_id = l.owner_id AND r.state = 'running') AS owner_running
            FROM locked l
        ), decided AS (
          SELECT due.*, running < max_instances AND owner_running < $7 AS starts FROM due
        ), claimed AS (
          INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                  started_time, hostname, pid, instance_id, description)
          SELECT id, name, job_class_string, owner_id,
                 CASE WHEN starts THEN 'running' ELSE 'skipped' END, 'cron', scheduled_time,
                 CASE WHEN starts THEN clock_timestamp() END, $4, $5, $6,
                 CASE WHEN starts THEN ''
                      WHEN running >= max_instances
                        THEN 'skipped: ' || running || ' executions running, max_instances is ' || max_instances
                      ELSE 'skipped: the owner already has ' || owner_running || ' executions running (MAX_RUNNING_PER_USER)' END
            FROM decided ORDER BY id
          ON CONFLICT (job_id, scheduled_time) DO NOTHING
          RETURNING id, job_id, owner_id, scheduled_time, state
        ), advanced AS (
          UPDATE jobs j SET next_run_time = d.following
            FROM due d WHERE j.id = d.id AND j.next_run_time = d.scheduled_time
          RETURNING j.id
        )
        SELECT c.id, c.job_id, c.owner_id, c.scheduled_time, c.state, d.name, d.job_class_string, d.pub_args,
               d.timeout_seconds
          FROM claimed c JOIN due d ON d.id = c.job_id`,
      values: [
        fires.map((fire) => fire.jobId),
        fires.map((fire) => fire.scheduled),
        fires.map((fire) => fire.following),
        this.instance.hostname,
        this.instance.pid,
        this.instance.id,
        this.maxRunningPerUser,
      ],
    });
    return rows.map(toClaimed);
  }

  /**
   * Applies the misfire rules' plan for one job that fell behind: under the job's row lock (so
   * instances doing the same wait for each other), only if next_run_time is still what the plan was
   * made from; runs count running executions one by one for max_instances.
   */
  async catchUp(plan: CatchUpPlan): Promise<ClaimedExecution[]> {
    return this.dataSource.transaction(async (manager) => {
      const locked: Array<{ max_instances: number }> = await manager.query(
        `SELECT j.max_instances FROM jobs j
          WHERE j.id = $1 AND NOT j.paused AND j.next_run_time = $2 FOR UPDATE OF j`,
        [plan.jobId, plan.expectedNext],
      );
      if (locked.length === 0) return [];
      // The row lock was taken after the snapshot of that statement: count now, to see committed starts.
      const [{ running, owner_running }]: Array<{ running: string; owner_running: string }> = await manager.query(
        `SELECT (SELECT count(*) FROM executions WHERE job_id = $1 AND state = 'running') AS running,
                (SELECT count(*) FROM executions r JOIN jobs j ON j.owner_id = r.owner_id
                  WHERE j.id = $1 AND r.state = 'running') AS owner_running`,
        [plan.jobId],
      );
      let slots = Math.min(locked[0].max_instances - Number(running), this.maxRunningPerUser - Number(owner_running));
      const rows = [
        ...plan.missed.map((fire) => ({ ...fire, state: 'missed' as const })),
        ...plan.runs.map((fire) => {
          const state = slots > 0 ? ('running' as const) : ('skipped' as const);
          if (state === 'running') slots -= 1;
          const description =
            state === 'running'
              ? fire.description
              : `skipped: max_instances (${locked[0].max_instances}) or MAX_RUNNING_PER_USER reached`;
          return { ...fire, state, description };
        }),
      ];
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
      await manager.query(`UPDATE jobs SET next_run_time = $2 WHERE id = $1`, [plan.jobId, plan.next]);
      return claimed.map(toClaimed);
    });
  }

  /** "Run now": one execution started at once, paused or not, beside the schedule and outside max_instances. */
  async runNow(jobId: string): Promise<ClaimedExecution | null> {
    const rows: ClaimedRow[] = await this.dataSource.query(
      `WITH claimed AS (
         INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                                 started_time, hostname, pid, instance_id, description)
         SELECT id, name, job_class_string, owner_id, 'running', 'manual', clock_timestamp(), clock_timestamp(),
                $2, $3, $4, ''
           FROM jobs WHERE id = $1
         RETURNING id, job_id, owner_id, scheduled_time, state
       )
       SELECT c.id, c.job_id, c.owner_id, c.scheduled_time, c.state, j.name, j.job_class_string, j.pub_args,
              j.timeout_seconds
         FROM claimed c JOIN jobs j ON j.id = c.job_id`,
      [jobId, this.instance.hostname, this.instance.pid, this.instance.id],
    );
    return rows[0] ? toClaimed(rows[0]) : null;
  }
}
