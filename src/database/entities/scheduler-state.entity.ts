import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The scheduler switch every instance reads (one row, id 1): paused or not, who paused it and when,
 * and the instances started with SCHEDULER_START_PAUSED=true that wait for an admin's resume.
 */
@Entity({ name: 'scheduler_state' })
@Check('CHK_scheduler_state_one_row', `"id" = 1`)
export class SchedulerStateRow {
  @PrimaryColumn({ type: 'smallint', default: 1 })
  id!: number;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  /** No foreign key: the switch keeps saying who paused it after that user is deleted. */
  @Column({ name: 'paused_by_id', type: 'uuid', nullable: true })
  pausedById!: string | null;

  @Column({ name: 'paused_by_username', type: 'text', nullable: true })
  pausedByUsername!: string | null;

  @Column({ name: 'paused_time', type: 'timestamptz', nullable: true })
  pausedTime!: Date | null;

  @Column({ name: 'resumed_time', type: 'timestamptz', nullable: true })
  resumedTime!: Date | null;

  /** Ids of instances started paused (SCHEDULER_START_PAUSED) that fire nothing until a resume empties this. */
  @Column({ name: 'start_paused_holds', type: 'text', array: true, default: () => "'{}'" })
  startPausedHolds!: string[];
}
