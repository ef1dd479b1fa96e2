import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity.js';

/** One refresh token of a browser session (a family); only its SHA-256 is stored. */
@Entity({ name: 'refresh_tokens' })
export class RefreshToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('IDX_refresh_tokens_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_refresh_tokens_user' })
  user?: User;

  /** The sign-in this token descends from: reuse of a rotated token revokes every token of it. */
  @Index('IDX_refresh_tokens_family_id')
  @Column({ name: 'family_id', type: 'uuid' })
  familyId!: string;

  @Index('UQ_refresh_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /** The user's token version when the family began (a password change or disabling bumps it). */
  @Column({ name: 'token_version', type: 'integer' })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;

  @Index('IDX_refresh_tokens_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** Set when it was exchanged for a new one (rotated). */
  @Column({ name: 'used_time', type: 'timestamptz', nullable: true })
  usedTime!: Date | null;

  /**
   * Once rotated: the successor token sealed under a key derived from this token (see
   * RefreshTokenService), so this token presented again within the grace window gets the same one.
   */
  @Column({ name: 'successor_sealed', type: 'text', nullable: true })
  successorSealed!: string | null;

  @Column({ name: 'revoked_time', type: 'timestamptz', nullable: true })
  revokedTime!: Date | null;
}
