import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface InstanceRow {
  id: string;
  hostname: string;
  pid: number;
  version: string;
  startedTime: Date;
  heartbeatTime: Date;
  stoppedTime: Date | null;
  stale: boolean;
  /** Seconds since its last heartbeat. */
  age: number;
  /** Executions it runs now. */
  running: number;
}

/** The `instances` table: one row per server process that ever started, with its heartbeat. */
@Injectable()
export class InstancesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(instance: { id: string; hostname: string; pid: number; version: string }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO instances (id, hostname, pid, version, started_time, heartbeat_time) VALUES ($1, $2, $3, $4, now(), now())`,
      [instance.id, instance.hostname, instance.pid, instance.version],
    );
  }

  async heartbeat(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE instances SET heartbeat_time = now() WHERE id = $1`, [id]);
  }

  async markStopped(ids: string[]): Promise<void> {
    await this.dataSource.query(`UPDATE instances SET stopped_time = now() WHERE id = ANY($1)`, [ids]);
  }

  /** Instances on `hostname` that have not stopped, other than `exceptId`. */
  async listRunningOnHost(hostname: string, exceptId: string): Promise<Array<{ id: string; pid: number }>> {
    return this.dataSource.query(
      `SELECT id, pid FROM instances WHERE hostname = $1 AND stopped_time IS NULL AND id <> $2`,
      [hostname, exceptId],
    );
  }

  /** Live (and stale) instances, or every recent one (`all`), with what they run now; 100 at most. */
  async list(staleSeconds: number, all: boolean): Promise<InstanceRow[]> {
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
      id: row.id,
      hostname: row.hostname,
      pid: row.pid,
      version: row.version,
      startedTime: row.started_time,
      heartbeatTime: row.heartbeat_time,
      stoppedTime: row.stopped_time,
      stale: row.stale,
      age: row.age,
      running: Number(row.running),
    }));
  }

  /** Instances heartbeating within `staleSeconds`. */
  async countAlive(staleSeconds: number): Promise<number> {
    const rows: Array<{ count: string }> = await this.dataSource.query(
      `SELECT count(*) FROM instances WHERE stopped_time IS NULL AND heartbeat_time >= now() - make_interval(secs => $1)`,
      [staleSeconds],
    );
    return Number(rows[0].count);
  }
}
