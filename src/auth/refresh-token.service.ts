import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { hashApiToken } from './api-token.service.js';
import { InvalidTokenException, type TokenRejection } from './auth.errors.js';
import { RefreshToken } from '../database/entities/refresh-token.entity.js';

/** A sign-in's refresh tokens last this long in all (rotation does not extend it): a working day. */
export const REFRESH_SESSION_SECONDS = 12 * 3600;
export const REFRESH_COOKIE = 'cronwarden_refresh';
export const REFRESH_COOKIE_PATH = '/api/v1/auth/refresh';

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  expiresAt: Date;
}

interface RefreshRow {
  id: string;
  user_id: string;
  family_id: string;
  token_version: number;
  expires_at: Date;
  used: boolean;
  revoked: boolean;
  expired: boolean;
  is_active: boolean;
  user_version: number;
}

/** The `Set-Cookie` value carrying a refresh token (or clearing it: `token` null). */
export function refreshCookie(token: string | null, options: { secure: boolean; maxAgeSeconds?: number }): string {
  const parts = [
    `${REFRESH_COOKIE}=${token ?? ''}`,
    `Path=${REFRESH_COOKIE_PATH}`,
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${token === null ? 0 : Math.max(0, Math.floor(options.maxAgeSeconds ?? REFRESH_SESSION_SECONDS))}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The refresh token of a `Cookie` request header, if any. */
export function refreshTokenOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === REFRESH_COOKIE && value.length > 0 && value.join('=') !== '') return value.join('=');
  }
  return undefined;
}

/**
 * Refresh tokens: random 256-bit secrets stored as SHA-256, rotated on every use. A rotated token
 * presented again means it was copied: the whole family (the sign-in) is revoked. A family also ends
 * with logout, and with the user's password change or disabling (their token version moves on).
 */
@Injectable()
export class RefreshTokenService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async issue(
    userId: string,
    tokenVersion: number,
    family?: { id: string; expiresAt: Date },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IssuedRefreshToken> {
    const token = randomBytes(32).toString('base64url');
    const familyId = family?.id ?? randomUUID();
    const expiresAt = family?.expiresAt ?? new Date(Date.now() + REFRESH_SESSION_SECONDS * 1000);
    await manager.insert(RefreshToken, {
      userId,
      familyId,
      tokenHash: hashApiToken(token),
      tokenVersion,
      expiresAt,
      usedTime: null,
      revokedTime: null,
    });
    return { token, familyId, expiresAt };
  }

  /** Exchanges a refresh token for a new one of the same family; refuses (and on reuse revokes the family) otherwise. */
  async rotate(token: string): Promise<IssuedRefreshToken & { userId: string }> {
    const outcome = await this.dataSource.transaction(
      async (manager): Promise<{ rejected: TokenRejection } | (IssuedRefreshToken & { userId: string })> => {
        const rows = await manager.query<RefreshRow[]>(
          `SELECT t.id, t.user_id, t.family_id, t.token_version, t.expires_at,
                  t.used_time IS NOT NULL AS used, t.revoked_time IS NOT NULL AS revoked,
                  t.expires_at <= now() AS expired, u.is_active, u.token_version AS user_version
             FROM refresh_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = $1 FOR UPDATE OF t`,
          [hashApiToken(token)],
        );
        const row = rows[0];
        if (!row) return { rejected: 'unknown token' };
        if (row.revoked) return { rejected: 'revoked' };
        if (row.used) {
          await this.revokeFamily(row.family_id, manager);
          return { rejected: 'revoked' };
        }
        if (row.expired) return { rejected: 'expired' };
        if (!row.is_active || row.user_version !== row.token_version) {
          await this.revokeFamily(row.family_id, manager);
          return { rejected: 'revoked' };
        }
        await manager.update(RefreshToken, { id: row.id }, { usedTime: new Date() });
        const next = await this.issue(
          row.user_id,
          row.token_version,
          { id: row.family_id, expiresAt: row.expires_at },
          manager,
        );
        return { ...next, userId: row.user_id };
      },
    );
    if ('rejected' in outcome) throw new InvalidTokenException(outcome.rejected);
    return outcome;
  }

  async revokeFamily(familyId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `UPDATE refresh_tokens SET revoked_time = now() WHERE family_id = $1 AND revoked_time IS NULL`,
      [familyId],
    );
  }

  /** Drops the rows of sessions that ended anyway. */
  async purgeExpired(): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(RefreshToken)
      .where(`expires_at < now() - interval '1 day'`)
      .execute();
    return result.affected ?? 0;
  }
}
