import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE, isPermission, type Permission } from '../access/permissions.js';
import { UsersRepository } from '../database/repositories/users.repository.js';
import type { AccessTokenClaims } from './token.service.js';

/**
 * Turns verified token claims into the current user, in one query: the user must exist, be active,
 * carry the token's version, and the token must not be revoked. State lives in PostgreSQL, so a
 * logout or a password change on one instance is seen by all at once.
 */
@Injectable()
export class AuthUserLoader {
  constructor(private readonly users: UsersRepository) {}

  async load(claims: AccessTokenClaims): Promise<AuthUser | null> {
    const row = await this.users.findSignedIn(claims.sub, claims.jti);
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
