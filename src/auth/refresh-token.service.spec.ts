import { refreshCookie, refreshTokenOf } from './refresh-token.service.js';

describe('the refresh-token cookie', () => {
  it('is HttpOnly, SameSite=Strict, limited to the refresh path, Secure over https', () => {
    expect(refreshCookie('abc', { secure: false, maxAgeSeconds: 60.7 })).toBe(
      'cronwarden_refresh=abc; Path=/api/v1/auth/refresh; HttpOnly; SameSite=Strict; Max-Age=60',
    );
    expect(refreshCookie('abc', { secure: true })).toBe(
      'cronwarden_refresh=abc; Path=/api/v1/auth/refresh; HttpOnly; SameSite=Strict; Max-Age=43200; Secure',
    );
    expect(refreshCookie(null, { secure: false })).toBe(
      'cronwarden_refresh=; Path=/api/v1/auth/refresh; HttpOnly; SameSite=Strict; Max-Age=0',
    );
  });

  it('is read from a Cookie header among others', () => {
    expect(refreshTokenOf('a=1; cronwarden_refresh=xyz_-9; b=2')).toBe('xyz_-9');
    expect(refreshTokenOf('cronwarden_refresh=')).toBeUndefined();
    expect(refreshTokenOf('other=1')).toBeUndefined();
    expect(refreshTokenOf(undefined)).toBeUndefined();
  });
});
