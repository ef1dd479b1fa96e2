import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE, isPermission, type Permission } from '../access/permissions.js';
import type { AccessTokenClaims } from './token.service.js';
import { PgPool } from '../database/pg-pool.js';

interface AuthUserRow {
  id: string;
  username: string;
  email: string | null;
  is_active: boolean;
  token_version: number;
  revoked: boolean;
  roles: string[];
  permissions: string[];
}

/**
 * Turns verified token claims into the current user, in one query: the user must exist, be active,
 * carry the token's version, and the token must not be revoked. State lives in PostgreSQL, so a
 * logout or a password change on one instance is seen by all at once.
 */
@Injectable()
export class AuthUserLoader {
  constructor(private readonly pool: PgPool) {}

  async load(claims: AccessTokenClaims): Promise<AuthUser | null> {
    const { rows } = await this.pool.query<AuthUserRow>({
      name: 'cronwarden_auth_user',
      text: `SELECT u.id, u.username, u.email, u.is_active, u.token_version,
              EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti = $2) AS revoked,
              ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                    WHERE ur.user_id = u.id ORDER BY r.name) AS roles,
              ARRAY(SELECT DISTINCT rp.permission_name FROM user_roles ur
                    JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id) AS permissions
         FROM users u WHERE u.id = $1`,
      values: [claims.sub, claims.jti],
    });
    const row = rows[0];
    if (!row || !row.is_active || row.revoked || row.token_version !== claims.ver) return null;
    return {
      id: row.id,
      username: row.username,
      email: row.email,
      roles: row.roles,
      permissions: new Set<Permission>(row.permissions.filter(isPermission)),
      isAdmin: row.roles.includes(ADMIN_ROLE),
      tokenId: claims.jti,
      tokenExpiresAt: new Date(claims.exp * 1000),
      ...(typeof claims.sid === 'string' ? { sessionId: claims.sid } : {}),
    };
  }
}
