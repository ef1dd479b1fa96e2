import { createHash, randomBytes } from 'node:crypto';
import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { hasPermission, type AuthUser } from '../access/auth-user.js';
import { ownScope } from '../access/owner-scope.js';
import { ADMIN_ROLE, isPermission, PERMISSIONS, type Permission } from '../access/permissions.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { InvalidTokenException } from './auth.errors.js';
import type { ApiToken } from '../database/entities/api-token.entity.js';
import { ApiTokensRepository } from '../database/repositories/api-tokens.repository.js';
import { Transactions } from '../database/transactions.js';

/** What every API token starts with, so secret scanners (and the auth guard) can tell one. */
export const API_TOKEN_PREFIX = 'cw_';
/** `cw_` and 8 characters of the secret: enough to tell tokens apart, far too little to guess the rest. */
const DISPLAY_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;
/** last_used_time is written at most this often per token, so using a token adds no write per request. */
export const LAST_USED_RESOLUTION_SECONDS = 60;

export const isApiToken = (bearer: string): boolean => bearer.startsWith(API_TOKEN_PREFIX);

/** `cw_` + 32 random bytes (256 bits) in base64url. */
export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is enough for a random 256-bit secret: there is nothing to brute-force from the hash. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A token's rights: the owner's current permissions (all of them for an admin), narrowed to the
 * token's list when it has one. Only a token without a list acts as an admin (on other users' jobs).
 */
export function tokenRights(
  owner: { roles: readonly string[]; permissions: readonly string[] },
  tokenPermissions: readonly string[] | null,
): { permissions: Set<Permission>; isAdmin: boolean } {
  const ownerIsAdmin = owner.roles.includes(ADMIN_ROLE);
  const held = new Set<Permission>(ownerIsAdmin ? PERMISSIONS : owner.permissions.filter(isPermission));
  if (tokenPermissions === null) return { permissions: held, isAdmin: ownerIsAdmin };
  return {
    permissions: new Set(tokenPermissions.filter(isPermission).filter((name) => held.has(name))),
    isAdmin: false,
  };
}

export interface CreateApiTokenInput {
  name: string;
  expiresAt?: Date;
  permissions?: string[];
}

/** A token far in the future stands for "never expires" where a date is required (AuthUser.tokenExpiresAt). */
const NEVER = new Date('9999-12-31T00:00:00.000Z');

/**
 * API tokens: created and revoked by their owner (audited), and authenticated per request with one
 * query by the token's hash (unique index) that also loads the owner's current roles and
 * permissions — the same cost as an access token's check. No cache: a revocation, an expiry or the
 * owner's disabling applies to the very next request on every instance.
 */
@Injectable()
export class ApiTokenService {
  private readonly logger = new Logger(ApiTokenService.name);

  constructor(
    private readonly apiTokens: ApiTokensRepository,
    private readonly transactions: Transactions,
    private readonly audit: AuditLogService,
  ) {}

  async create(caller: AuthUser, input: CreateApiTokenInput): Promise<{ row: ApiToken; token: string }> {
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new BadRequestException(['expires_at must be in the future']);
    }
    let permissions: string[] | null = null;
    if (input.permissions) {
      const notHeld = input.permissions.filter((name) => !isPermission(name) || !hasPermission(caller, name));
      if (notHeld.length > 0) {
        throw new BadRequestException([`permissions: you do not hold ${notHeld.join(', ')}`]);
      }
      permissions = PERMISSIONS.filter((name) => input.permissions?.includes(name));
    }
    const token = generateApiToken();
    return this.transactions.run(async (transaction) => {
      const row = await this.apiTokens.insert(
        {
          userId: caller.id,
          name: input.name,
          tokenHash: hashApiToken(token),
          prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
          permissions,
          expiresAt: input.expiresAt ?? null,
          lastUsedTime: null,
          revokedTime: null,
        },
        transaction,
      );
      await this.audit.record(
        {
          event: 'token_created',
          actor: actorOf(caller),
          ownerId: caller.id,
          description:
            `created API token "${row.name}" (${row.prefix}…); permissions: ` +
            `${permissions ? permissions.join(', ') : "all of the owner's"}; ` +
            `expires: ${row.expiresAt ? row.expiresAt.toISOString() : 'never'}`,
        },
        transaction,
      );
      return { row, token };
    });
  }

  /** The caller's tokens that are not revoked (expired ones included: the list says so), newest first. */
  async list(caller: AuthUser): Promise<ApiToken[]> {
    return this.apiTokens.listUnrevoked(ownScope(caller.id));
  }

  /** Another user's token, an unknown id and a revoked one are the same 404. */
  async revoke(caller: AuthUser, id: string): Promise<void> {
    await this.transactions.run(async (transaction) => {
      const row = await this.apiTokens.findUnrevokedForUpdate(ownScope(caller.id), id, transaction);
      if (!row) throw new NotFoundException('API token not found');
      await this.apiTokens.revoke(row.id, transaction);
      await this.audit.record(
        {
          event: 'token_revoked',
          actor: actorOf(caller),
          ownerId: caller.id,
          description: `revoked API token "${row.name}" (${row.prefix}…)`,
        },
        transaction,
      );
    });
  }

  /** The caller of a request made with an API token, or an {@link InvalidTokenException} saying why not. */
  async authenticate(token: string): Promise<AuthUser> {
    const row = await this.apiTokens.findForAuthentication(hashApiToken(token), LAST_USED_RESOLUTION_SECONDS);
    if (!row) throw new InvalidTokenException('unknown token');
    if (row.revoked || !row.is_active) throw new InvalidTokenException('revoked');
    if (row.expired) throw new InvalidTokenException('expired');
    if (row.stale) this.touch(row.id);
    const rights = tokenRights(row, row.token_permissions);
    return {
      id: row.user_id,
      username: row.username,
      email: row.email,
      roles: row.roles,
      permissions: rights.permissions,
      isAdmin: rights.isAdmin,
      tokenId: row.id,
      tokenExpiresAt: row.expires_at ?? NEVER,
      apiTokenId: row.id,
    };
  }

  /** Records a use without holding up the request; concurrent requests and instances write it once. */
  private touch(id: string): void {
    this.apiTokens
      .recordUse(id, LAST_USED_RESOLUTION_SECONDS)
      .catch((error: unknown) => this.logger.warn(`Could not record the use of API token ${id}: ${String(error)}`));
  }
}
