import { UnauthorizedException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { AuditEntry, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { User } from '../users/entities/user.entity.js';
import type { UsersService } from '../users/users.service.js';
import { AuthService } from './auth.service.js';
import type { LoginThrottleService } from './login-throttle.service.js';
import type { PasswordHasher } from './password-hasher.service.js';
import type { TokenService } from './token.service.js';

function setUp(stored: Partial<User> | null, { passwordMatches = false } = {}) {
  const verified: Array<string | null | undefined> = [];
  const audited: AuditEntry[] = [];
  const failures: string[] = [];
  const hasher = {
    verify: (_password: string, hash: string | null | undefined) => {
      verified.push(hash);
      return Promise.resolve(passwordMatches && hash !== undefined);
    },
  } as unknown as PasswordHasher;
  const users = {
    findByUsername: () => Promise.resolve(stored ? ({ roles: [], tokenVersion: 0, ...stored } as User) : null),
  } as unknown as UsersService;
  const throttle = {
    reserve: () => Promise.resolve({ allowed: true }),
    recordFailure: (keys: { user: string }) => Promise.resolve(void failures.push(keys.user)),
    recordSuccess: () => Promise.resolve(),
  } as unknown as LoginThrottleService;
  const audit = {
    record: (entry: AuditEntry) => Promise.resolve(void audited.push(entry)),
  } as unknown as AuditLogService;
  const dataSource = { getRepository: () => ({ update: () => Promise.resolve() }) } as unknown as DataSource;
  const tokens = { issue: () => ({ accessToken: 't', expiresIn: 3600, jti: 'j' }) } as unknown as TokenService;
  const service = new AuthService(dataSource, users, hasher, tokens, throttle, audit);
  return { service, verified, audited, failures };
}

describe('AuthService.login', () => {
  const attempt = { username: 'Alice', password: 'some-password-123' };

  it('runs one full bcrypt comparison for an unknown user too (against the dummy hash), then 401', async () => {
    const { service, verified, audited, failures } = setUp(null);
    await expect(service.login(attempt, '10.0.0.1')).rejects.toEqual(
      new UnauthorizedException('Invalid username or password'),
    );
    expect(verified).toEqual([undefined]);
    expect(failures).toEqual(['user:alice']);
    expect(audited).toEqual([
      expect.objectContaining({ event: 'login_failed', ownerId: null, actor: { id: null, username: 'Alice' } }),
    ]);
  });

  it('runs the same single comparison for a wrong password', async () => {
    const { service, verified, audited } = setUp({
      id: 'u1',
      username: 'alice',
      passwordHash: '$2b$hash',
      isActive: true,
    });
    await expect(service.login(attempt, '10.0.0.1')).rejects.toEqual(
      new UnauthorizedException('Invalid username or password'),
    );
    expect(verified).toEqual(['$2b$hash']);
    expect(audited[0]).toMatchObject({
      event: 'login_failed',
      ownerId: 'u1',
      description: expect.stringContaining('wrong password'),
    });
  });

  it('checks the password of a disabled account too, and refuses it with the same 401', async () => {
    const { service, verified } = setUp(
      { id: 'u1', username: 'alice', passwordHash: '$2b$hash', isActive: false },
      { passwordMatches: true },
    );
    await expect(service.login(attempt, '10.0.0.1')).rejects.toEqual(
      new UnauthorizedException('Invalid username or password'),
    );
    expect(verified).toEqual(['$2b$hash']);
  });
});
