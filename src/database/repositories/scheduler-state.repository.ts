import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { notify, SCHEDULER_SWITCH_CHANNEL } from '../channels.js';
import type { Transaction } from '../transactions.js';

/** The shared switch as the API shows it: holds only of instances alive now. */
export interface SchedulerSwitchRecord {
  paused: boolean;
  pausedBy: { id: string | null; username: string } | null;
  pausedTime: Date | null;
  resumedTime: Date | null;
  /** Live instances started with SCHEDULER_START_PAUSED=true that still wait for a resume. */
  startPausedHolds: string[];
}

/** What one instance needs to know to fire or not. */
export interface SchedulerSwitchView {
  paused: boolean;
  /** This instance is listed among the start-paused holds. */
  held: boolean;
}

interface StateRow {
  paused: boolean;
  paused_by_id: string | null;
  paused_by_username: string | null;
  paused_time: Date | null;
  resumed_time: Date | null;
  holds: string[];
}

/** Instances not stopped and heartbeating within $1 seconds (the `instances` table's notion of alive). */
const LIVE_INSTANCE = `SELECT i.id FROM instances i
  WHERE i.stopped_time IS NULL AND i.heartbeat_time >= now() - make_interval(secs => $1)`;

const RETURNING = `paused, paused_by_id, paused_by_username, paused_time, resumed_time,
  ARRAY(SELECT h FROM unnest(start_paused_holds) h WHERE h IN (${LIVE_INSTANCE})) AS holds`;

const toRecord = (row: StateRow): SchedulerSwitchRecord => ({
  paused: row.paused,
  pausedBy: row.paused_by_username === null ? null : { id: row.paused_by_id, username: row.paused_by_username },
  pausedTime: row.paused_time,
  resumedTime: row.resumed_time,
  startPausedHolds: row.holds,
});

/**
 * (Changes are read through `WITH ... SELECT`: TypeORM answers an UPDATE's rows as `[rows, count]`.)
 *
 * The `scheduler_state` table: the one row of the scheduler switch. Changes are made in the
 * caller's transaction and announced with NOTIFY in it, so every instance hears only committed ones.
 */
@Injectable()
export class SchedulerStateRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The switch, with the holds of instances alive within `staleSeconds`. */
  async read(staleSeconds: number): Promise<SchedulerSwitchRecord> {
    const rows: StateRow[] = await this.dataSource.query(`SELECT ${RETURNING} FROM scheduler_state WHERE id = 1`, [
      staleSeconds,
    ]);
    return toRecord(rows[0]);
  }

  /** One instance's view: paused, and whether `instanceId` is held by its start-paused flag. */
  async viewOf(instanceId: string): Promise<SchedulerSwitchView> {
    const rows: Array<{ paused: boolean; held: boolean }> = await this.dataSource.query(
      `SELECT paused, $1 = ANY(start_paused_holds) AS held FROM scheduler_state WHERE id = 1`,
      [instanceId],
    );
    return rows[0];
  }

  /** Pauses; null (nothing written) when it already is paused. */
  async pause(
    transaction: Transaction,
    by: { id: string | null; username: string },
    staleSeconds: number,
  ): Promise<SchedulerSwitchRecord | null> {
    const rows: StateRow[] = await transaction.query(
      `WITH changed AS (
         UPDATE scheduler_state SET paused = true, paused_by_id = $2, paused_by_username = $3, paused_time = now()
          WHERE id = 1 AND NOT paused
          RETURNING *
       )
       SELECT ${RETURNING} FROM changed`,
      [staleSeconds, by.id, by.username],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * Resumes, and releases every instance started paused; null (nothing written) when the switch is
   * not paused and no live instance is held.
   */
  async resume(transaction: Transaction, staleSeconds: number): Promise<SchedulerSwitchRecord | null> {
    const rows: StateRow[] = await transaction.query(
      `WITH changed AS (
         UPDATE scheduler_state
            SET paused = false, paused_by_id = NULL, paused_by_username = NULL, paused_time = NULL,
                resumed_time = now(), start_paused_holds = '{}'
          WHERE id = 1 AND (paused OR EXISTS (SELECT 1 FROM unnest(start_paused_holds) h WHERE h IN (${LIVE_INSTANCE})))
          RETURNING *
       )
       SELECT ${RETURNING} FROM changed`,
      [staleSeconds],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * Lists `instanceId` among the start-paused holds (dropping holds of instances no longer alive;
   * this one's own row may not be written yet).
   */
  async hold(instanceId: string, staleSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE scheduler_state
          SET start_paused_holds = array_append(
                ARRAY(SELECT h FROM unnest(start_paused_holds) h WHERE h <> $2 AND h IN (${LIVE_INSTANCE})), $2)
        WHERE id = 1`,
      [staleSeconds, instanceId],
    );
  }

  /** Tells every instance (on commit) to re-read the switch. */
  async announce(transaction: Transaction, message: { paused: boolean }): Promise<void> {
    await notify(transaction, SCHEDULER_SWITCH_CHANNEL, JSON.stringify(message));
  }
}
