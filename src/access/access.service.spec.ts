import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { AccessService } from './access.service.js';
import { fakeUser } from '../../test/support/fake-user.js';

describe('AccessService', () => {
  const access = new AccessService();
  const admin = fakeUser('admin-1', ['admin']);
  const alice = fakeUser('alice', ['job_manager']);
  const watcher = fakeUser('watcher', ['viewer'], ['view_all']);

  it('lets users read their own rows, view_all and admins every row', () => {
    expect(access.readScope(alice)).toEqual({ kind: 'owner', ownerId: 'alice' });
    expect(access.readScope(watcher)).toEqual({ kind: 'all' });
    expect(access.readScope(admin)).toEqual({ kind: 'all' });
  });

  it('shows owner-less audit rows (user and role administration) to admins only', () => {
    expect(access.auditScope(admin)).toEqual({ kind: 'all' });
    expect(access.auditScope(watcher)).toEqual({ kind: 'owned' });
    expect(access.auditScope(alice)).toEqual({ kind: 'owner', ownerId: 'alice' });
  });

  describe('assertCanAct on one resource', () => {
    it('passes for the owner and for an admin', () => {
      expect(() => access.assertCanAct(alice, 'alice', 'Job')).not.toThrow();
      expect(() => access.assertCanAct(admin, 'alice', 'Job')).not.toThrow();
    });

    it('answers 403 to a view_all user, who can see the resource', () => {
      expect(() => access.assertCanAct(watcher, 'alice', 'Job')).toThrow(ForbiddenException);
    });

    it('answers the same 404 as for a missing resource to anybody else', () => {
      const bob = fakeUser('bob', ['job_manager']);
      expect(() => access.assertCanAct(bob, 'alice', 'Job')).toThrow(new NotFoundException('Job not found'));
    });
  });

  it('assertCanSee hides other users’ resources behind a 404 unless the caller reads everything', () => {
    expect(() => access.assertCanSee(fakeUser('bob', ['viewer']), 'alice', 'Job')).toThrow(NotFoundException);
    expect(() => access.assertCanSee(watcher, 'alice', 'Job')).not.toThrow();
  });
});
