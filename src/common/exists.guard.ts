import { type CanActivate, type ExecutionContext, NotFoundException } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';

/**
 * Route guard for `/:id` routes: answers 404 before the body is validated, so the documented check
 * order holds (401, then 403, then 404, then 400). Runs after the global auth and permission guards.
 */
export abstract class ExistsGuard implements CanActivate {
  protected abstract readonly what: string;
  protected abstract exists(id: string, user: AuthUser): Promise<boolean>;
  protected readonly param: string = 'id';

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ params: Record<string, string>; user: AuthUser }>();
    if (!(await this.exists(request.params[this.param] ?? '', request.user))) {
      throw new NotFoundException(`${this.what} not found`);
    }
    return true;
  }
}
