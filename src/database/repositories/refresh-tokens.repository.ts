import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { RefreshToken } from '../entities/refresh-token.entity.js';

/** A refresh token found by its hash, with its owner's state, as a rotation reads it. */
export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  token_version: number;
  expires_at: Date;
  used: boolean;
  /** Rotated no longer ago than the reuse grace window. */
  in_grace: boolean;
  successor_sealed: string | null;
  revoked: boolean;
  expired: boolean;
  is_active: boolean;
  user_version: number;
}

export type NewRefreshToken = Pick<
  RefreshToken,
  'userId' | 'familyId' | 'tokenHash' | 'tokenVersion' | 'expiresAt' | 'usedTime' | 'successorSealed' | 'revokedTime'
>;

/** The `refresh_tokens` table: browser sessions (families of rotated tokens), found by a token's hash. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The token of this hash, locked for the transaction (a concurrent rotation of it waits, then sees it
   * rotated); `in_grace`: rotated within the last `graceSeconds`.
   */
  async lockByHash(tokenHash: string, graceSeconds: number, manager: EntityManager): Promise<RefreshTokenRow | null> {
    const rows = await manager.query<RefreshTokenRow[]>(
      `SELECT t.id, t.user_id, t.family_id, t.token_version, t.expires_at, t.successor_sealed,
              t.used_time IS NOT NULL AS used,
              coalesce(t.used_time >= clock_timestamp() - make_interval(secs => $2), false) AS in_grace,
              t.revoked_time IS NOT NULL AS revoked,
              t.expires_at <= now() AS expired, u.is_active, u.token_version AS user_version
         FROM refresh_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 FOR UPDATE OF t`,
      [tokenHash, graceSeconds],
    );
    return rows[0] ?? null;
  }

  async insert(values: NewRefreshToken, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.insert(RefreshToken, values);
  }

  /** Marks a token rotated now, keeping its successor sealed under the token itself. */
  async markRotated(id: string, successorSealed: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE refresh_tokens SET used_time = clock_timestamp(), successor_sealed = $2 WHERE id = $1`,
      [id, successorSealed],
    );
  }

  async revokeFamily(familyId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `UPDATE refresh_tokens SET revoked_time = now() WHERE family_id = $1 AND revoked_time IS NULL`,
      [familyId],
    );
  }

  /**
   * Forgets the sealed successors of tokens rotated more than `graceSeconds` ago and deletes the rows
   * of sessions that ended over a day ago, whoever they belonged to; answers how many rows went.
   */
  async purgeExpiredAcrossUsers(graceSeconds: number): Promise<number> {
    await this.dataSource.query(
      `UPDATE refresh_tokens SET successor_sealed = NULL
        WHERE successor_sealed IS NOT NULL AND used_time < now() - make_interval(secs => $1)`,
      [graceSeconds],
    );
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(RefreshToken)
      .where(`expires_at < now() - interval '1 day'`)
      .execute();
    return result.affected ?? 0;
  }
}
