import {
  ApiProblem,
  fieldProblems,
  GENERATED_PASSWORD_LENGTH,
  generatePassword,
  holdersText,
  isLastActiveAdmin,
  mayGrant,
  mayManageUser,
  permissionsOf,
} from './admin';
import type { Role } from './api/client';

const role = (name: string, permissions: Role['permissions']): Role => ({
  id: name,
  name,
  description: '',
  permissions,
  created_time: '2026-12-01T00:00:00.000Z',
});
const ROLES = [
  role('admin', ['job_view', 'user_manage', 'role_manage', 'code_execute']),
  role('viewer', ['job_view', 'execution_view', 'audit_view']),
  role('reader', ['job_view']),
  role('user-admin', ['user_manage', 'job_view']),
];
const admin = { id: 'a', roles: ['admin'], permissions: ['job_view', 'user_manage'] };
const manager = { id: 'm', roles: ['user-admin'], permissions: ['user_manage', 'job_view'] };

describe('the administration pages', () => {
  it('generates passwords of the set length from the alphabet, without modulo bias, and all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const password = generatePassword();
      expect(password).toHaveLength(GENERATED_PASSWORD_LENGTH);
      expect(password).toMatch(/^[A-Za-z0-9\-_.!@#%+=]+$/);
      expect(password).not.toMatch(/[0O1lI]/);
      seen.add(password);
    }
    expect(seen.size).toBe(200);
    // Bytes at or past the last whole multiple of the alphabet (66 × 3 = 198) are drawn again, never folded.
    let calls = 0;
    const stub = (count: number): Uint8Array => {
      calls += 1;
      return new Uint8Array(count).fill(calls === 1 ? 250 : 0);
    };
    expect(generatePassword(8, stub)).toBe('AAAAAAAA');
    expect(calls).toBe(2);
  });

  it('knows what a caller may grant and whom they may manage, as the server decides', () => {
    expect(ROLES.every((r) => mayGrant(admin, r))).toBe(true);
    expect(mayGrant(manager, ROLES[0])).toBe(false); // never the admin role
    expect(mayGrant(manager, ROLES[1])).toBe(false); // execution_view, audit_view: not held
    expect(mayGrant(manager, ROLES[2])).toBe(true);
    expect(mayManageUser(admin, { roles: ['admin'] }, ROLES)).toBe(true);
    expect(mayManageUser(manager, { roles: ['admin'] }, ROLES)).toBe(false);
    expect(mayManageUser(manager, { roles: ['viewer'] }, ROLES)).toBe(false);
    expect(mayManageUser(manager, { roles: ['reader', 'user-admin'] }, ROLES)).toBe(true);
    expect(mayManageUser(manager, { roles: [] }, ROLES)).toBe(true);
    expect([...permissionsOf(['reader', 'viewer', 'gone'], ROLES)].sort()).toEqual([
      'audit_view',
      'execution_view',
      'job_view',
    ]);
  });

  it('recognises the last active admin', () => {
    expect(isLastActiveAdmin({ is_active: true, roles: ['admin'] }, 1)).toBe(true);
    expect(isLastActiveAdmin({ is_active: true, roles: ['admin', 'viewer'] }, 2)).toBe(false);
    expect(isLastActiveAdmin({ is_active: false, roles: ['admin'] }, 1)).toBe(false);
    expect(isLastActiveAdmin({ is_active: true, roles: ['viewer'] }, 1)).toBe(false);
  });

  it('puts the server’s messages on the fields they name, the rest above the form', () => {
    const refused = new ApiProblem(400, [
      'password must be at least 12 characters long',
      'roles contains unknown roles: ghost',
      'something else entirely',
    ]);
    expect(fieldProblems(refused, ['username', 'password', 'roles'])).toEqual({
      fields: {
        password: 'password must be at least 12 characters long',
        roles: 'roles contains unknown roles: ghost',
      },
      other: ['something else entirely'],
    });
    expect(fieldProblems(new ApiProblem(409, ['Username Alice is taken']), ['username'])).toEqual({
      fields: { username: 'Username Alice is taken' },
      other: [],
    });
    expect(fieldProblems(new ApiProblem(409, ['Role auditor exists']), ['name']).fields).toEqual({
      name: 'Role auditor exists',
    });
    expect(fieldProblems(new ApiProblem(500, []), ['name']).other).toEqual(['Request failed (500)']);
    const response = new Response(null, { status: 409 });
    expect(ApiProblem.of(response, { message: 'This is the last active admin' }).messages).toEqual([
      'This is the last active admin',
    ]);
  });

  it('names the holders of a role', () => {
    expect(holdersText([], 0)).toBe('nobody');
    expect(holdersText(['alice'], 1)).toBe('alice');
    expect(holdersText(['alice', 'bob', 'carol'], 3)).toBe('alice, bob and carol');
    expect(holdersText(['alice', 'bob'], 5)).toBe('alice, bob and 3 more');
  });
});
