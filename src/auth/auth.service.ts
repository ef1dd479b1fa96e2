import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';
import { PERMISSIONS } from '../access/permissions.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { sortPermissionNames } from '../users/dto/role.response.js';
import type { User } from '../database/entities/user.entity.js';
import { permissionsOf } from '../users/management-policy.js';
import { UsersService } from '../users/users.service.js';
import { INVALID_LOGIN_MESSAGE } from './auth.errors.js';
import type { ChangePasswordDto, LoginDto, LoginResponse, MeResponse } from './dto/auth.dto.js';
import { LoginThrottleService, throttleKeys, type ThrottleKeys } from './login-throttle.service.js';
import { PasswordHasher } from './password-hasher.service.js';
import { TokenService } from './token.service.js';
import { ApiTokenService } from './api-token.service.js';
import { type IssuedRefreshToken, RefreshTokenService } from './refresh-token.service.js';

function effectivePermissions(user: User): string[] {
  return user.roles.some((role) => role.name === 'admin')
    ? [...PERMISSIONS]
    : sortPermissionNames([...permissionsOf(user.roles)]);
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditLogService,
    private readonly apiTokens: ApiTokenService,
    private readonly refreshTokens: RefreshTokenService,
  ) {}

  /**
   * Unknown user, wrong password and disabled account give the same 401 after the same bcrypt work.
   * The attempt is reserved against the username + client address and the address before the
   * password is checked (429 while either waits or is busy: the password is then not checked at
   * all), and becomes a failure or a success afterwards.
   */
  async login(dto: LoginDto, clientAddress: string): Promise<{ response: LoginResponse; refresh: IssuedRefreshToken }> {
    const keys = throttleKeys(dto.username, clientAddress);
    await this.reserveOrRefuse(keys, 'failed logins');

    let user: User | null;
    let passwordMatches: boolean;
    try {
      user = await this.users.findByUsername(dto.username);
      passwordMatches = await this.hasher.verify(dto.password, user?.passwordHash);
    } catch (error) {
      await this.throttle.abandon(keys).catch(() => undefined);
      throw error;
    }
    if (!user || !passwordMatches || !user.isActive) {
      await this.throttle.recordFailure(keys);
      await this.audit.record({
        event: 'login_failed',
        actor: { id: user?.id ?? null, username: user?.username ?? dto.username },
        ownerId: user?.id ?? null,
        description: `failed login from ${clientAddress}: ${!user ? 'unknown username' : !passwordMatches ? 'wrong password' : 'account disabled'}`,
      });
      throw new UnauthorizedException(INVALID_LOGIN_MESSAGE);
    }

    await this.throttle.recordSuccess(keys);
    await this.users.recordLogin(user.id);
    await this.audit.record({
      event: 'login',
      actor: { id: user.id, username: user.username },
      ownerId: user.id,
      description: `login from ${clientAddress}`,
    });
    const refresh = await this.refreshTokens.issue(user.id, user.tokenVersion);
    return { response: this.sessionResponse(user, refresh.familyId), refresh };
  }

  /**
   * A new access token (and the next refresh token of the same session) for a refresh token; a
   * rotated one presented again revokes the session (401).
   */
  async refresh(token: string): Promise<{ response: LoginResponse; refresh: IssuedRefreshToken }> {
    const refresh = await this.refreshTokens.rotate(token);
    const user = await this.users.get(refresh.userId);
    return { response: this.sessionResponse(user, refresh.familyId), refresh };
  }

  private sessionResponse(user: User, sessionId: string): LoginResponse {
    const token = this.tokens.issue(user.id, user.tokenVersion, sessionId);
    return {
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: token.expiresIn,
      user: {
        id: user.id,
        username: user.username,
        roles: user.roles.map((role) => role.name).sort(),
        permissions: effectivePermissions(user),
      },
    };
  }

  /** 429 with Retry-After while the keys wait (or are busy); the attempt counts from here on. */
  private async reserveOrRefuse(keys: ThrottleKeys, what: string): Promise<void> {
    const reservation = await this.throttle.reserve(keys);
    if (!reservation.allowed) {
      const wait = reservation.retryAfterSeconds;
      throw new TooManyRequestsException(`Too many ${what}: try again in ${wait} seconds`, wait);
    }
  }

  /** Revokes this token on every instance (an API token: revokes it, audited as token_revoked). */
  async logout(user: AuthUser): Promise<void> {
    if (user.apiTokenId) return this.apiTokens.revoke(user, user.apiTokenId);
    if (user.sessionId) await this.refreshTokens.revokeFamily(user.sessionId);
    await this.tokens.revoke(user.tokenId, user.tokenExpiresAt);
    await this.audit.record({ event: 'logout', actor: actorOf(user), ownerId: user.id, description: 'logout' });
  }

  /** From the state loaded for this request's authentication: no further query. */
  me(caller: AuthUser): MeResponse {
    return {
      id: caller.id,
      username: caller.username,
      email: caller.email,
      is_active: true,
      roles: [...caller.roles],
      permissions: caller.isAdmin ? [...PERMISSIONS] : sortPermissionNames([...caller.permissions]),
    };
  }

  /**
   * A wrong current password is a 400 (the caller is authenticated); every earlier token is revoked.
   * The current password is guarded like a login (same keys: this username from this address), so a
   * stolen token cannot be used to guess it faster.
   */
  async changePassword(caller: AuthUser, dto: ChangePasswordDto, clientAddress: string): Promise<void> {
    const user = await this.users.get(caller.id);
    const keys = throttleKeys(user.username, clientAddress);
    await this.reserveOrRefuse(keys, 'wrong passwords');
    let passwordMatches: boolean;
    try {
      passwordMatches = await this.hasher.verify(dto.current_password, user.passwordHash);
    } catch (error) {
      await this.throttle.abandon(keys).catch(() => undefined);
      throw error;
    }
    if (!passwordMatches) {
      await this.throttle.recordFailure(keys);
      throw new BadRequestException(['current_password is wrong']);
    }
    await this.throttle.recordSuccess(keys);
    if (dto.new_password === dto.current_password) {
      throw new BadRequestException(['new_password must differ from current_password']);
    }
    await this.users.setPassword(caller, user, dto.new_password, 'new_password');
  }
}
