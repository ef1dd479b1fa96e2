import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type FindOptionsWhere, IsNull } from 'typeorm';
import { ownerCondition, type OwnerScope } from '../../access/owner-scope.js';
import { ApiToken } from '../entities/api-token.entity.js';
import { PgPool } from '../pg-pool.js';
import { isUuid } from './owner-filter.js';

/** A token found by its hash, with what authenticating it needs of its owner (one query). */
export interface ApiTokenAuthRow {
  id: string;
  user_id: string;
  token_permissions: string[] | null;
  expires_at: Date | null;
  revoked: boolean;
  expired: boolean;
  /** Its last use was recorded longer ago than the resolution asked for (or never). */
  stale: boolean;
  username: string;
  email: string | null;
  is_active: boolean;
  roles: string[];
  permissions: string[];
}

export type NewApiToken = Pick<
  ApiToken,
  'userId' | 'name' | 'tokenHash' | 'prefix' | 'permissions' | 'expiresAt' | 'lastUsedTime' | 'revokedTime'
>;

/**
 * The `api_tokens` table. A token belongs to its user (`user_id`): the owner's lookups take an
 * {@link OwnerScope}; authentication finds a token by its hash, whoever owns it.
 */
@Injectable()
export class ApiTokensRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
  ) {}

  /** The one owner condition of this table's reads (its owner column is `user_id`). */
  private scoped(scope: OwnerScope): FindOptionsWhere<ApiToken> {
    const owner = ownerCondition(scope);
    return 'ownerId' in owner ? { userId: owner.ownerId } : {};
  }

  async insert(values: NewApiToken, manager: EntityManager): Promise<ApiToken> {
    return manager.save(manager.create(ApiToken, values));
  }

  /** The tokens within `scope` that are not revoked (expired ones included), newest first. */
  async listUnrevoked(scope: OwnerScope): Promise<ApiToken[]> {
    return this.dataSource.getRepository(ApiToken).find({
      where: { ...this.scoped(scope), revokedTime: IsNull() },
      order: { createdTime: 'DESC', id: 'ASC' },
    });
  }

  /**
   * A token within `scope` that is not revoked, locked for the transaction; null when missing, out of
   * scope, revoked or not an id.
   */
  async findUnrevokedForUpdate(scope: OwnerScope, id: string, manager: EntityManager): Promise<ApiToken | null> {
    if (!isUuid(id)) return null;
    return manager.findOne(ApiToken, {
      where: { id, ...this.scoped(scope), revokedTime: IsNull() },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async revoke(id: string, manager: EntityManager): Promise<void> {
    await manager.update(ApiToken, { id }, { revokedTime: new Date() });
  }

  /** Ends every token of a user that is not revoked yet (their disabling). */
  async revokeAllOfUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE api_tokens SET revoked_time = now() WHERE user_id = $1 AND revoked_time IS NULL`, [
      userId,
    ]);
  }

  /**
   * The token of this hash with its owner's state, current roles and permissions, whoever owns it
   * (a named prepared statement: it runs on every request made with an API token). `stale`: its last
   * use is older than `lastUsedResolutionSeconds`.
   */
  async findForAuthentication(tokenHash: string, lastUsedResolutionSeconds: number): Promise<ApiTokenAuthRow | null> {
    const { rows } = await this.pool.query<ApiTokenAuthRow>({
      name: 'cronwarden_api_token_user',
      text: `SELECT t.id, t.user_id, t.permissions AS token_permissions, t.expires_at,
              t.revoked_time IS NOT NULL AS revoked,
              (t.expires_at IS NOT NULL AND t.expires_at <= now()) AS expired,
              (t.last_used_time IS NULL OR t.last_used_time < now() - make_interval(secs => $2)) AS stale,
              u.username, u.email, u.is_active,
              ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                    WHERE ur.user_id = u.id ORDER BY r.name) AS roles,
              ARRAY(SELECT DISTINCT rp.permission_name FROM user_roles ur
                    JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id) AS permissions
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1`,
      values: [tokenHash, lastUsedResolutionSeconds],
    });
    return rows[0] ?? null;
  }

  /** Records a use, unless one within `resolutionSeconds` was (so concurrent requests and instances write it once). */
  async recordUse(id: string, resolutionSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_tokens SET last_used_time = now()
        WHERE id = $1 AND (last_used_time IS NULL OR last_used_time < now() - make_interval(secs => $2))`,
      [id, resolutionSeconds],
    );
  }
}
