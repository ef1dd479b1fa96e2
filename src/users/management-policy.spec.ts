import { ForbiddenException } from '@nestjs/common';
import { fakeUser } from '../../test/support/fake-user.js';
import type { Role } from '../database/entities/role.entity.js';
import { assertMayGrant, assertMayGrantPermissions, assertMayManageUser } from './management-policy.js';

const role = (name: string, permissions: string[]): Role => {
  const made: Role = {
    id: name,
    name,
    description: '',
    createdTime: new Date(),
    permissions: permissions.map((p) => ({ name: p, description: '' })),
  };
  return made;
};

describe('management policy', () => {
  const userAdmin = fakeUser('ua', [], ['user_manage', 'job_view', 'execution_view', 'audit_view']);
  const admin = fakeUser('a', ['admin']);
  const viewerRole = role('viewer', ['job_view', 'execution_view', 'audit_view']);
  const managerRole = role('job_manager', ['job_create', 'job_view']);
  const adminRole = role('admin', ['job_create', 'user_manage']);

  it('lets a non-admin grant roles within their own permissions only', () => {
    expect(() => assertMayGrant(userAdmin, [viewerRole])).not.toThrow();
    expect(() => assertMayGrant(userAdmin, [managerRole])).toThrow(
      new ForbiddenException('You cannot grant permissions you do not hold: job_create'),
    );
  });

  it('never lets a non-admin grant the admin role', () => {
    expect(() => assertMayGrant(fakeUser('x', [], ['user_manage', 'job_create']), [adminRole])).toThrow(
      new ForbiddenException('Only admins may grant the admin role'),
    );
  });

  it('lets admins grant anything', () => {
    expect(() => assertMayGrant(admin, [adminRole, managerRole])).not.toThrow();
    expect(() => assertMayGrantPermissions(admin, ['code_execute'])).not.toThrow();
  });

  it('keeps non-admins away from users who hold more than they do, and from admins', () => {
    expect(() => assertMayManageUser(userAdmin, [viewerRole])).not.toThrow();
    expect(() => assertMayManageUser(userAdmin, [managerRole])).toThrow(ForbiddenException);
    expect(() => assertMayManageUser(userAdmin, [adminRole])).toThrow(
      new ForbiddenException('Only admins may manage admins'),
    );
  });
});
