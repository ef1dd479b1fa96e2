import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A running (or once running) Cronwarden process sharing the database, and its heartbeat. */
@Entity({ name: 'instances' })
export class Instance {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  hostname!: string;

  @Column({ type: 'integer' })
  pid!: number;

  @Column({ type: 'text', default: '' })
  version!: string;

  @Column({ name: 'started_time', type: 'timestamptz' })
  startedTime!: Date;

  @Column({ name: 'heartbeat_time', type: 'timestamptz' })
  heartbeatTime!: Date;

  /** Set by a graceful stop, or by another instance that found this one dead. */
  @Column({ name: 'stopped_time', type: 'timestamptz', nullable: true })
  stoppedTime!: Date | null;
}
