import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Access tokens ended by logout before their expiry; rows past `expires_at` are purged. */
@Entity({ name: 'revoked_tokens' })
export class RevokedToken {
  @PrimaryColumn({ type: 'uuid' })
  jti!: string;

  @Index('IDX_revoked_tokens_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
