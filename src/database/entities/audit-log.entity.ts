import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity.js';

/**
 * Who changed what. `owner_id` is the user the row belongs to (the job's owner, the user who logged
 * in); rows without an owner (user and role administration, failed logins of unknown names) are for
 * admins only. Rows are only ever inserted.
 */
@Entity({ name: 'audit_logs' })
@Index('IDX_audit_logs_owner_created', ['ownerId', 'createdTime'])
@Index('IDX_audit_logs_created', ['createdTime'])
export class AuditLog {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('IDX_audit_logs_job_id')
  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ name: 'job_name', type: 'text', nullable: true })
  jobName!: string | null;

  @Column({ type: 'text' })
  event!: string;

  /** Username of the actor, kept even after that user is deleted. */
  @Column({ name: 'user', type: 'text' })
  user!: string;

  /** The actor; set to null when that user is deleted (the username stays in `user`). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true, createForeignKeyConstraints: true })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_audit_logs_user' })
  actor?: User | null;

  /** Set to null when the owner is deleted: the rows stay, for admins. */
  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_audit_logs_owner' })
  owner?: User | null;

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;

  @Column({ type: 'text', default: '' })
  description!: string;
}
