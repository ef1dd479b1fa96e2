import { createHash, randomBytes } from 'node:crypto';
import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { hasPermission, type AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE, isPermission, PERMISSIONS, type Permission } from '../access/permissions.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { InvalidTokenException } from './auth.errors.js';
import { ApiToken } from '../database/entities/api-token.entity.js';
import { PgPool } from '../database/pg-pool.js';

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

interface ApiTokenAuthRow {
  id: string;
  user_id: string;
  token_permissions: string[] | null;
  expires_at: Date | null;
  revoked: boolean;
  expired: boolean;
  stale: boolean;
  username: string;
  email: string | null;
  is_active: boolean;
  roles: string[];
  permissions: string[];
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
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
    return this.dataSource.transaction(async (manager) => {
      const row = await manager.save(
        manager.create(ApiToken, {
          userId: caller.id,
          name: input.name,
          tokenHash: hashApiToken(token),
          prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
          permissions,
          expiresAt: input.expiresAt ?? null,
          lastUsedTime: null,
          revokedTime: null,
        }),
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
        manager,
      );
      return { row, token };
    });
  }

  /** The caller's tokens that are not revoked (expired ones included: the list says so), newest first. */
  async list(caller: AuthUser): Promise<ApiToken[]> {
    return this.dataSource.getRepository(ApiToken).find({
      where: { userId: caller.id, revokedTime: IsNull() },
      order: { createdTime: 'DESC', id: 'ASC' },
    });
  }

  /** Another user's token, an unknown id and a revoked one are the same 404. */
  async revoke(caller: AuthUser, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = isUuid(id)
        ? await manager.findOne(ApiToken, {
            where: { id, userId: caller.id, revokedTime: IsNull() },
            lock: { mode: 'pessimistic_write' },
          })
        : null;
      if (!row) throw new NotFoundException('API token not found');
      await manager.update(ApiToken, { id }, { revokedTime: new Date() });
      await this.audit.record(
        {
          event: 'token_revoked',
          actor: actorOf(caller),
          ownerId: caller.id,
          description: `revoked API token "${row.name}" (${row.prefix}…)`,
        },
        manager,
      );
    });
  }

  /** The caller of a request made with an API token, or an {@link InvalidTokenException} saying why not. */
  async authenticate(token: string): Promise<AuthUser> {
    const { rows } = await this.pool.query<ApiTokenAuthRow>({
      name: 'cronwarden_api_token_user',
      text: `SELECT t.id, t.user_id, t.permissions AS token_permissions, t.expires_at,
              t.revoked_time IS NOT NULL AS revoked,
              (t.expires_at IS NOT NULL AND t.expires_at <= now()) AS expired,
              (t.last_used_time IS NULL OR t.last_used_time < now() - make_interval(secs => $2)) AS stale,
              u.username, u.email, u.is_active,
              ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                    WHERE ur.user_id = u.id ORDER BY r.name) AS roles,
              ARRAY(SELECT DISTINCT rp.permission_name FROM user_roles ur
                    JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id) AS permissions
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1`,
      values: [hashApiToken(token), LAST_USED_RESOLUTION_SECONDS],
    });
    const row = rows[0];
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
    this.dataSource
      .query(
        `UPDATE api_tokens SET last_used_time = now()
          WHERE id = $1 AND (last_used_time IS NULL OR last_used_time < now() - make_interval(secs => $2))`,
        [id, LAST_USED_RESOLUTION_SECONDS],
      )
      .catch((error: unknown) => this.logger.warn(`Could not record the use of API token ${id}: ${String(error)}`));
  }
}

const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** Disabling a user ends their API tokens for good (enabling them again does not bring them back). */
export async function revokeApiTokensOf(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(`UPDATE api_tokens SET revoked_time = now() WHERE user_id = $1 AND revoked_time IS NULL`, [
    userId,
  ]);
}
