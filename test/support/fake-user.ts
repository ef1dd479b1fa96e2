import { ADMIN_ROLE, type Permission, PERMISSIONS, SEEDED_ROLES } from '../../src/access/permissions.js';
import type { AuthUser } from '../../src/access/auth-user.js';

/** An AuthUser for unit tests: the union of the seeded roles' permissions plus `extra`. */
export function fakeUser(id: string, roles: string[], extra: Permission[] = []): AuthUser {
  const permissions = new Set<Permission>(extra);
  for (const role of roles) for (const permission of SEEDED_ROLES[role]?.permissions ?? []) permissions.add(permission);
  if (roles.includes(ADMIN_ROLE)) for (const permission of PERMISSIONS) permissions.add(permission);
  return {
    id,
    username: id,
    email: null,
    roles,
    permissions,
    isAdmin: roles.includes(ADMIN_ROLE),
    tokenId: `token-${id}`,
    tokenExpiresAt: new Date(Date.now() + 3600_000),
  };
}
