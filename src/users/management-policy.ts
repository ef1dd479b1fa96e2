import { ForbiddenException } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE } from '../access/permissions.js';
import type { Role } from '../database/entities/role.entity.js';

/** Union of the permissions of `roles`. */
export function permissionsOf(roles: readonly Role[]): Set<string> {
  return new Set(roles.flatMap((role) => (role.permissions ?? []).map((permission) => permission.name)));
}

function missingFrom(actor: AuthUser, permissions: Iterable<string>): string[] {
  return [...permissions].filter((permission) => !actor.permissions.has(permission as never)).sort();
}

/**
 * Nobody hands out more than they hold: a non-admin may only grant roles (or give a role
 * permissions) within their own permissions, and never the admin role.
 */
export function assertMayGrant(actor: AuthUser, roles: readonly Role[]): void {
  if (actor.isAdmin) return;
  if (roles.some((role) => role.name === ADMIN_ROLE))
    throw new ForbiddenException('Only admins may grant the admin role');
  assertMayGrantPermissions(actor, permissionsOf(roles));
}

export function assertMayGrantPermissions(actor: AuthUser, permissions: Iterable<string>): void {
  if (actor.isAdmin) return;
  const missing = missingFrom(actor, permissions);
  if (missing.length > 0) {
    throw new ForbiddenException(`You cannot grant permissions you do not hold: ${missing.join(', ')}`);
  }
}

/** A non-admin may only manage users who hold nothing more than they do (and never an admin). */
export function assertMayManageUser(actor: AuthUser, targetRoles: readonly Role[]): void {
  if (actor.isAdmin) return;
  if (targetRoles.some((role) => role.name === ADMIN_ROLE))
    throw new ForbiddenException('Only admins may manage admins');
  if (missingFrom(actor, permissionsOf(targetRoles)).length > 0) {
    throw new ForbiddenException('You cannot manage a user who holds permissions you do not hold');
  }
}
