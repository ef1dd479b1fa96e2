import { createHash } from 'node:crypto';
import { PERMISSIONS } from '../access/permissions.js';
import { generateApiToken, hashApiToken, isApiToken, tokenRights } from './api-token.service.js';

describe('API tokens', () => {
  it('are cw_ and 256 random bits in base64url, different every time', () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a).toMatch(/^cw_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(isApiToken(a)).toBe(true);
    expect(isApiToken('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
  });

  it('are stored as their hex SHA-256', () => {
    const token = generateApiToken();
    expect(hashApiToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashApiToken(token)).not.toContain(token.slice(3));
  });

  describe('rights: the token list intersected with the owner’s current permissions', () => {
    const owner = { roles: ['job_manager'], permissions: ['job_view', 'job_create', 'execution_view'] };

    it('without a list: all of the owner’s', () => {
      expect(tokenRights(owner, null)).toEqual({
        permissions: new Set(['job_view', 'job_create', 'execution_view']),
        isAdmin: false,
      });
    });

    it('with a list: only what the owner still holds', () => {
      expect(tokenRights(owner, ['job_view', 'user_manage'])).toEqual({
        permissions: new Set(['job_view']),
        isAdmin: false,
      });
      expect(tokenRights({ roles: [], permissions: [] }, ['job_view'])).toEqual({
        permissions: new Set(),
        isAdmin: false,
      });
    });

    it('an admin’s token acts as admin only without a list', () => {
      const admin = { roles: ['admin'], permissions: [] };
      expect(tokenRights(admin, null)).toEqual({ permissions: new Set(PERMISSIONS), isAdmin: true });
      expect(tokenRights(admin, ['job_view', 'view_all'])).toEqual({
        permissions: new Set(['job_view', 'view_all']),
        isAdmin: false,
      });
    });
  });
});
