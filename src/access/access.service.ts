import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { type AuthUser, hasPermission } from './auth-user.js';
import { ALL_OWNERS, type OwnerScope, ownScope } from './owner-scope.js';

/** Audit logs add rows that belong to nobody (user and role events): only admins see those. */
export type AuditScope = OwnerScope | { readonly kind: 'owned' };

/** A single answer for "does not exist" and "not yours", so ids leak nothing. */
export const notFound = (what: string): NotFoundException => new NotFoundException(`${what} not found`);

/**
 * The one place that turns the current user into a data scope. Every query for jobs, executions,
 * audit logs and scripts goes through a scope made here; no controller or service writes its own
 * owner filter.
 */
@Injectable()
export class AccessService {
  /** Rows the user may see: all with `view_all` or as admin, else their own. */
  readScope(user: AuthUser): OwnerScope {
    return hasPermission(user, 'view_all') ? ALL_OWNERS : ownScope(user.id);
  }

  /** Audit logs: admins see all; `view_all` sees every user's rows but not the owner-less ones; others their own. */
  auditScope(user: AuthUser): AuditScope {
    if (user.isAdmin) return ALL_OWNERS;
    return user.permissions.has('view_all') ? { kind: 'owned' } : ownScope(user.id);
  }

  /**
   * For acting on one resource owned by `ownerId`: passes for the owner and for admins; a user who
   * may only read it (`view_all`) gets 403; anybody else gets the same 404 as for a missing one.
   */
  assertCanAct(user: AuthUser, ownerId: string, what: string): void {
    if (user.isAdmin || ownerId === user.id) return;
    if (hasPermission(user, 'view_all')) throw new ForbiddenException(`You may only view this ${what.toLowerCase()}`);
    throw notFound(what);
  }

  /** For reading one resource owned by `ownerId`: 404 unless the read scope covers it. */
  assertCanSee(user: AuthUser, ownerId: string, what: string): void {
    const scope = this.readScope(user);
    if (scope.kind === 'owner' && scope.ownerId !== ownerId) throw notFound(what);
  }
}
