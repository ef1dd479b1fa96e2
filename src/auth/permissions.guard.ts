import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from '../access/auth-user.js';
import { hasPermission } from '../access/auth-user.js';
import { IS_PUBLIC, type PermissionRequirement, REQUIRED_PERMISSIONS } from './decorators.js';

/**
 * Global, after the JWT guard: enforces `@RequirePermissions`/`@RequireAnyPermission`, and denies
 * (403) any authenticated route that forgot to declare its permissions.
 */
@Injectable()
export class PermissionsGuard implements CanActivate {
  private readonly logger = new Logger(PermissionsGuard.name);

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const requirement = this.reflector.getAllAndOverride<PermissionRequirement | undefined>(
      REQUIRED_PERMISSIONS,
      targets,
    );
    if (!requirement) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no permissions: denied`);
      throw new ForbiddenException('This route declares no permissions');
    }
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw new ForbiddenException();
    const { mode, permissions } = requirement;
    if (mode === 'admin') {
      if (!user.isAdmin) throw new ForbiddenException('Only admins may do this');
      return true;
    }
    const allowed =
      permissions.length === 0 ||
      (mode === 'all'
        ? permissions.every((permission) => hasPermission(user, permission))
        : permissions.some((permission) => hasPermission(user, permission)));
    if (!allowed) {
      throw new ForbiddenException(`Missing permission: ${permissions.join(mode === 'all' ? ' and ' : ' or ')}`);
    }
    return true;
  }
}
