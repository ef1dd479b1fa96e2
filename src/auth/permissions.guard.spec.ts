import { type ExecutionContext, ForbiddenException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from '../access/auth-user.js';
import { fakeUser } from '../../test/support/fake-user.js';
import { Public, RequireAnyPermission, RequirePermissions } from './decorators.js';
import { PermissionsGuard } from './permissions.guard.js';

class Routes {
  @Public()
  open(): void {}

  @RequirePermissions()
  anySignedIn(): void {}

  @RequirePermissions('job_create', 'job_view')
  createJob(): void {}

  @RequireAnyPermission('role_manage', 'user_manage')
  listRoles(): void {}

  undeclared(): void {}
}

function contextFor(handler: keyof Routes, user?: AuthUser): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ user }) }),
  } as unknown as ExecutionContext;
}

describe('PermissionsGuard', () => {
  const guard = new PermissionsGuard(new Reflector());
  const manager = fakeUser('m', ['job_manager']);
  const viewer = fakeUser('v', ['viewer']);

  it('lets public routes through without a user', () => {
    expect(guard.canActivate(contextFor('open'))).toBe(true);
  });

  it('lets any signed-in user call a route that requires no permission', () => {
    expect(guard.canActivate(contextFor('anySignedIn', viewer))).toBe(true);
  });

  it('requires every listed permission', () => {
    expect(guard.canActivate(contextFor('createJob', manager))).toBe(true);
    expect(() => guard.canActivate(contextFor('createJob', viewer))).toThrow(
      new ForbiddenException('Missing permission: job_create and job_view'),
    );
  });

  it('accepts any one of the permissions of RequireAnyPermission', () => {
    expect(guard.canActivate(contextFor('listRoles', fakeUser('u', [], ['user_manage'])))).toBe(true);
    expect(() => guard.canActivate(contextFor('listRoles', manager))).toThrow(ForbiddenException);
  });

  it('lets admins through every declared route', () => {
    expect(guard.canActivate(contextFor('createJob', fakeUser('a', ['admin'])))).toBe(true);
  });

  it('denies a route that forgot to declare its permissions, even to an admin', () => {
    expect(() => guard.canActivate(contextFor('undeclared', fakeUser('a', ['admin'])))).toThrow(
      new ForbiddenException('This route declares no permissions'),
    );
  });
});
