import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { User } from '../entities/user.entity.js';
import { PgPool } from '../pg-pool.js';
import { isUuid } from './owner-filter.js';

/** An access token an open event stream was opened with: `key` names it, the rest are its claims. */
export interface TokenOfStream {
  key: number;
  /** The user's id. */
  sub: string;
  jti: string;
  /** The user's token version when the token was issued. */
  ver: number;
}

/** What {@link UsersRepository.rightsOfTokens} answers per token. */
export interface StreamRights {
  key: number;
  valid: boolean | null;
  roles: string[] | null;
  permissions: string[] | null;
}

/** The `users` table (lookups features need; user management keeps its own queries for now). */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
  ) {}

  /** The user's name, or null when `id` names no user (or is not an id). */
  async usernameOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const user = await this.dataSource
      .getRepository(User)
      .findOne({ where: { id }, select: { id: true, username: true } });
    return user?.username ?? null;
  }

  /**
   * For each token (`key` names it in the answer): whether it is still good (its user active, the
   * user's token version unchanged, the token not revoked; null when the user is gone), and the user's
   * role names and permission names now. One named prepared statement for any number of tokens.
   */
  async rightsOfTokens(tokens: readonly TokenOfStream[]): Promise<StreamRights[]> {
    const { rows } = await this.pool.query<StreamRights>({
      name: 'cronwarden_stream_rights',
      text: `SELECT s.key, (u.is_active AND u.token_version = s.ver
                   AND NOT EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti = s.jti)) AS valid,
                ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                       WHERE ur.user_id = u.id) AS roles,
                ARRAY(SELECT DISTINCT rp.permission_name FROM user_roles ur
                       JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id) AS permissions
           FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::int[]) AS s(key, uid, jti, ver)
           LEFT JOIN users u ON u.id = s.uid`,
      values: [
        tokens.map((token) => token.key),
        tokens.map((token) => token.sub),
        tokens.map((token) => token.jti),
        tokens.map((token) => token.ver),
      ],
    });
    return rows;
  }
}
