import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_VERSION } from '../common/app-version.js';
import type { AppConfig } from '../config/app-config.js';
import { InstanceIdentity } from '../scheduler/instance.js';
import type { InstanceResponse } from './dto/instance.response.js';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * This instance's row in `instances` and its heartbeat; and the recovery of executions left
 * `running` by instances that died (kill -9, power loss): they are marked `failed`, saying they were
 * interrupted — at this instance's start, and by every live instance on each heartbeat.
 * A live instance's executions are never touched.
 */
@Injectable()
export class InstanceRegistryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstanceRegistryService.name);
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /**
   * Since when this instance's heartbeats have succeeded without a break. After a database outage
   * every instance's heartbeat is old; judging the others dead before they had a chance to beat
   * again would fail their running executions, so recovery waits for INSTANCE_STALE_SECONDS of
   * this instance's own uninterrupted heartbeats.
   */
  private connectedSince: number | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly instance: InstanceIdentity,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO instances (id, hostname, pid, version, started_time, heartbeat_time) VALUES ($1, $2, $3, $4, now(), now())`,
      [this.instance.id, this.instance.hostname, this.instance.pid, APP_VERSION],
    );
    this.connectedSince = Date.now();
    await this.retireDeadNeighbours();
    await this.recover();
    const everyMs = this.config.get('instances.heartbeatSeconds', { infer: true }) * 1000;
    this.timer = setInterval(() => void this.beat(), everyMs);
    this.timer.unref();
  }

  /** Called by the scheduler once its running executions are finished or stopped: no more beats, row stopped. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.dataSource
      .query(`UPDATE instances SET stopped_time = now() WHERE id = $1`, [this.instance.id])
      .catch(() => undefined);
  }

  /** One heartbeat, then a recovery pass (both tolerate a database outage). */
  beat(): Promise<void> {
    this.beating ??= (async () => {
      try {
        await this.dataSource.query(`UPDATE instances SET heartbeat_time = now() WHERE id = $1`, [this.instance.id]);
        this.connectedSince ??= Date.now();
        const staleMs = this.config.get('instances.staleSeconds', { infer: true }) * 1000;
        if (Date.now() - this.connectedSince >= staleMs) await this.recover();
      } catch (error) {
        this.connectedSince = undefined;
        this.logger.warn(`Heartbeat failed: ${(error as Error).message}`);
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }

  /** Live (and stale) instances, or every recent one, with what they run now. */
  async list(all: boolean): Promise<InstanceResponse[]> {
    const staleSeconds = this.config.get('instances.staleSeconds', { infer: true });
    const rows: Array<{
      id: string;
      hostname: string;
      pid: number;
      version: string;
      started_time: Date;
      heartbeat_time: Date;
      stopped_time: Date | null;
      stale: boolean;
      age: number;
      running: string;
    }> = await this.dataSource.query(
      `SELECT i.*, i.heartbeat_time < now() - make_interval(secs => $1) AS stale,
              extract(epoch FROM now() - i.heartbeat_time)::float8 AS age,
              (SELECT count(*) FROM executions e WHERE e.instance_id = i.id AND e.state = 'running') AS running
         FROM instances i
        WHERE $2 OR i.stopped_time IS NULL
        ORDER BY i.stopped_time IS NOT NULL, i.started_time DESC LIMIT 100`,
      [staleSeconds, all],
    );
    return rows.map((row) => ({
      instance_id: row.id,
      hostname: row.hostname,
      pid: row.pid,
      version: row.version,
      status: row.stopped_time ? 'stopped' : row.stale ? 'stale' : 'alive',
      started_time: row.started_time.toISOString(),
      heartbeat_time: row.heartbeat_time.toISOString(),
      heartbeat_age_seconds: Math.max(0, Math.round(row.age * 10) / 10),
      stopped_time: row.stopped_time ? row.stopped_time.toISOString() : null,
      running_executions: Number(row.running),
      current: row.id === this.instance.id,
    }));
  }

  /** Instances heartbeating now. */
  async aliveCount(): Promise<number> {
    const staleSeconds = this.config.get('instances.staleSeconds', { infer: true });
    const rows: Array<{ count: string }> = await this.dataSource.query(
      `SELECT count(*) FROM instances WHERE stopped_time IS NULL AND heartbeat_time >= now() - make_interval(secs => $1)`,
      [staleSeconds],
    );
    return Number(rows[0].count);
  }

  /**
   * Instances on this host whose process is gone are dead now, without waiting for their heartbeat
   * to go stale: the usual case of a restart after a crash.
   */
  private async retireDeadNeighbours(): Promise<void> {
    const rows: Array<{ id: string; pid: number }> = await this.dataSource.query(
      `SELECT id, pid FROM instances WHERE hostname = $1 AND stopped_time IS NULL AND id <> $2`,
      [this.instance.hostname, this.instance.id],
    );
    const dead = rows.filter((row) => row.pid === this.instance.pid || !isAlive(row.pid)).map((row) => row.id);
    if (dead.length > 0) {
      await this.dataSource.query(`UPDATE instances SET stopped_time = now() WHERE id = ANY($1)`, [dead]);
    }
  }

  /**
   * Marks `failed` every `running` execution whose instance is stopped or has not beaten for
   * INSTANCE_STALE_SECONDS. Only rows still `running` change, so a late finish of a lost row by its
   * old instance cannot overwrite them (that finish requires `running`).
   */
  async recover(): Promise<number> {
    const staleSeconds = this.config.get('instances.staleSeconds', { infer: true });
    // TypeORM answers an UPDATE with [rows, affected]: take the affected count.
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `WITH dead AS (
         SELECT id, hostname, pid, heartbeat_time FROM instances
          WHERE id <> $1 AND (stopped_time IS NOT NULL OR heartbeat_time < now() - make_interval(secs => $2))
       )
       UPDATE executions e
          SET state = 'failed', finished_time = now(), updated_time = now(),
              description = 'interrupted: its instance ' || coalesce(d.hostname || ' pid ' || d.pid, e.instance_id, 'unknown')
                            || ' stopped without finishing it (last heartbeat '
                            || coalesce(to_char(d.heartbeat_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'unknown')
                            || '); not re-run automatically'
         FROM (SELECT e2.id AS execution_id, d.* FROM executions e2
                 LEFT JOIN instances i ON i.id = e2.instance_id
                 LEFT JOIN dead d ON d.id = e2.instance_id
                WHERE e2.state = 'running' AND e2.instance_id IS DISTINCT FROM $1
                  AND (i.id IS NULL OR d.id IS NOT NULL)) AS d
        WHERE e.id = d.execution_id AND e.state = 'running'`,
      [this.instance.id, staleSeconds],
    );
    if (affected > 0) this.logger.warn(`Marked ${affected} executions of dead instances as failed (interrupted)`);
    return affected;
  }
}
