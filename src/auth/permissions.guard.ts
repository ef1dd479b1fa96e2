import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from '../access/auth-user.js';
import { hasPermission } from '../access/auth-user.js';
import {
  ACCEPTS_METRICS_TOKEN,
  IS_PUBLIC,
  NOT_WITH_API_TOKEN,
  type PermissionRequirement,
  REQUIRED_PERMISSIONS,
} from './decorators.js';
import type { MetricsScrapeRequest } from './jwt-auth.guard.js';

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
    const request = context.switchToHttp().getRequest<MetricsScrapeRequest & { user?: AuthUser }>();
    if (request.metricsScraper && this.reflector.getAllAndOverride<boolean>(ACCEPTS_METRICS_TOKEN, targets))
      return true;
    const user = request.user;
    if (!user) throw new ForbiddenException();
    if (user.apiTokenId && this.reflector.getAllAndOverride<boolean>(NOT_WITH_API_TOKEN, targets)) {
      throw new ForbiddenException('Not with an API token: sign in with your password to do this');
    }
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
