import type { RefreshTokenService } from './refresh-token.service.js';
import type { ApiTokenService } from './api-token.service.js';
import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';
import type { AuditEntry, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { User } from '../database/entities/user.entity.js';
import type { UsersService } from '../users/users.service.js';
import { AuthService } from './auth.service.js';
import type { LoginThrottleService, Reservation } from './login-throttle.service.js';
import type { PasswordHasher } from './password-hasher.service.js';
import type { TokenService } from './token.service.js';

function setUp(
  stored: Partial<User> | null,
  {
    passwordMatches = false,
    reservation = { allowed: true },
  }: { passwordMatches?: boolean; reservation?: Reservation } = {},
) {
  const verified: Array<string | null | undefined> = [];
  const audited: AuditEntry[] = [];
  const failures: string[] = [];
  const successes: string[] = [];
  const passwordsSet: string[] = [];
  const logins: string[] = [];
  const hasher = {
    verify: (_password: string, hash: string | null | undefined) => {
      verified.push(hash);
      return Promise.resolve(passwordMatches && hash !== undefined);
    },
  } as unknown as PasswordHasher;
  const users = {
    findByUsername: () => Promise.resolve(stored ? ({ roles: [], tokenVersion: 0, ...stored } as User) : null),
    get: () => Promise.resolve({ roles: [], tokenVersion: 0, ...stored } as User),
    setPassword: (_caller: AuthUser, _user: User, password: string) =>
      Promise.resolve(void passwordsSet.push(password)),
    recordLogin: (id: string) => Promise.resolve(void logins.push(id)),
  } as unknown as UsersService;
  const throttle = {
    reserve: () => Promise.resolve(reservation),
    recordFailure: (keys: { userAddress: string }) => Promise.resolve(void failures.push(keys.userAddress)),
    recordSuccess: (keys: { userAddress: string }) => Promise.resolve(void successes.push(keys.userAddress)),
  } as unknown as LoginThrottleService;
  const audit = {
    record: (entry: AuditEntry) => Promise.resolve(void audited.push(entry)),
  } as unknown as AuditLogService;
  const tokens = { issue: () => ({ accessToken: 't', expiresIn: 3600, jti: 'j' }) } as unknown as TokenService;
  const apiTokens = {} as unknown as ApiTokenService;
  const refreshTokens = {
    issue: () => Promise.resolve({ token: 'r', familyId: 'f', expiresAt: new Date() }),
  } as unknown as RefreshTokenService;
  const service = new AuthService(users, hasher, tokens, throttle, audit, apiTokens, refreshTokens);
  return { service, verified, audited, failures, successes, passwordsSet, logins };
}

describe('AuthService.login', () => {
  const attempt = { username: 'Alice', password: 'some-password-123' };

  it('runs one full bcrypt comparison for an unknown user too (against the dummy hash), then 401', async () => {
    const { service, verified, audited, failures } = setUp(null);
    await expect(service.login(attempt, '10.0.0.1')).rejects.toEqual(
      new UnauthorizedException('Invalid username or password'),
    );
    expect(verified).toEqual([undefined]);
    expect(failures).toEqual(['ip:10.0.0.1|user:alice']);
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

describe('AuthService throttling', () => {
  const waiting: Reservation = { allowed: false, retryAfterSeconds: 8 };
  const alice = { id: 'u1', username: 'Alice', passwordHash: '$2b$hash', isActive: true };
  const caller = { id: 'u1', username: 'Alice' } as AuthUser;

  it('refuses a login while its keys wait, with 429 and Retry-After, before the password is checked', async () => {
    const { service, verified, audited, failures } = setUp(alice, { passwordMatches: true, reservation: waiting });
    const refused = service.login({ username: 'Alice', password: 'right-password-123' }, '10.0.0.1');
    await expect(refused).rejects.toMatchObject({
      retryAfterSeconds: 8,
      response: { statusCode: 429, message: 'Too many failed logins: try again in 8 seconds' },
    });
    expect(verified).toEqual([]);
    expect(audited).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('refuses a password change while its keys wait, before the current password is checked', async () => {
    const { service, verified, passwordsSet } = setUp(alice, { passwordMatches: true, reservation: waiting });
    const dto = { current_password: 'right-password-123', new_password: 'another-password-456' };
    await expect(service.changePassword(caller, dto, '10.0.0.1')).rejects.toMatchObject({
      retryAfterSeconds: 8,
      response: { statusCode: 429, message: 'Too many wrong passwords: try again in 8 seconds' },
    });
    expect(verified).toEqual([]);
    expect(passwordsSet).toEqual([]);
  });

  it('counts a wrong current password as a failure of this user from this address', async () => {
    const { service, failures, passwordsSet } = setUp(alice);
    const dto = { current_password: 'wrong-password-123', new_password: 'another-password-456' };
    await expect(service.changePassword(caller, dto, '::ffff:10.0.0.1')).rejects.toEqual(
      new BadRequestException(['current_password is wrong']),
    );
    expect(failures).toEqual(['ip:10.0.0.1|user:alice']);
    expect(passwordsSet).toEqual([]);
  });

  it('counts a right current password as a success and sets the new password', async () => {
    const { service, failures, successes, passwordsSet } = setUp(alice, { passwordMatches: true });
    const dto = { current_password: 'right-password-123', new_password: 'another-password-456' };
    await service.changePassword(caller, dto, '10.0.0.1');
    expect(failures).toEqual([]);
    expect(successes).toEqual(['ip:10.0.0.1|user:alice']);
    expect(passwordsSet).toEqual(['another-password-456']);
  });
});
