import { refreshCookie, refreshTokenOf, sealSuccessor, unsealSuccessor } from './refresh-token.service.js';

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

describe('the sealed successor of a rotated refresh token', () => {
  const token = 'rotated-token-abcdefghijklmnopqrstuvwxyz012345';
  const successor = 'successor-token-ABCDEFGHIJKLMNOPQRSTUVWXYZ6789';

  it('opens with the rotated token only', () => {
    const sealed = sealSuccessor(token, successor);
    expect(sealed).not.toContain(successor);
    expect(unsealSuccessor(token, sealed)).toBe(successor);
    expect(unsealSuccessor(`${token}x`, sealed)).toBeNull();
    expect(unsealSuccessor(successor, sealed)).toBeNull();
  });

  it('differs on every sealing and refuses tampering or garbage', () => {
    const sealed = sealSuccessor(token, successor);
    expect(sealSuccessor(token, successor)).not.toBe(sealed);
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(unsealSuccessor(token, raw.toString('base64url'))).toBeNull();
    expect(unsealSuccessor(token, 'AAAA')).toBeNull();
    expect(unsealSuccessor(token, '')).toBeNull();
  });
});
