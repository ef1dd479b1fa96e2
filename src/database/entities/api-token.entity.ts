import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity.js';

/** A long-lived bearer token for scripts and services (`cw_...`); only its SHA-256 is stored. */
@Entity({ name: 'api_tokens' })
export class ApiToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('IDX_api_tokens_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_api_tokens_user' })
  user?: User;

  @Column({ type: 'text' })
  name!: string;

  /** Hex SHA-256 of the whole token: the lookup of every request made with it. */
  @Index('UQ_api_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /** The first characters of the token (`cw_` and 8 more), not secret: for telling tokens apart. */
  @Column({ type: 'text' })
  prefix!: string;

  /** null: all of the owner's permissions (always intersected with the owner's current ones). */
  @Column({ type: 'text', array: true, nullable: true })
  permissions!: string[] | null;

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** Written at most once a minute per token. */
  @Column({ name: 'last_used_time', type: 'timestamptz', nullable: true })
  lastUsedTime!: Date | null;

  @Column({ name: 'revoked_time', type: 'timestamptz', nullable: true })
  revokedTime!: Date | null;
}
