import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RevokedToken } from '../entities/revoked-token.entity.js';

/** The `revoked_tokens` table: access tokens ended by logout before their expiry (read by the auth loader). */
@Injectable()
export class RevokedTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records the revocation of token `jti` (once: a second logout with it changes nothing). */
  async insert(jti: string, expiresAt: Date): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(RevokedToken)
      .values({ jti, expiresAt })
      .orIgnore()
      .execute();
  }

  /** Drops revocations of tokens that have expired anyway; answers how many. */
  async purgeExpired(): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(RevokedToken)
      .where('expires_at < now()')
      .execute();
    return result.affected ?? 0;
  }
}
