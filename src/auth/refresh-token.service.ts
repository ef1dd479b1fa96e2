import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { RefreshTokensRepository, type RefreshTokenRow } from '../database/repositories/refresh-tokens.repository.js';
import { type Transaction, Transactions } from '../database/transactions.js';
import { hashApiToken } from './api-token.service.js';
import { InvalidTokenException, type TokenRejection } from './auth.errors.js';

/** A sign-in's refresh tokens last this long in all (rotation does not extend it): a working day. */
export const REFRESH_SESSION_SECONDS = 12 * 3600;
export const REFRESH_COOKIE = 'cronwarden_refresh';
export const REFRESH_COOKIE_PATH = '/api/v1/auth/refresh';

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  expiresAt: Date;
}

/** How many rotations within the grace window a re-presented token may be behind (a chain of quick refreshes). */
const MAX_GRACE_HOPS = 5;

/** The key that seals a token's successor: derived from the token itself, which the database only holds hashed. */
function sealingKey(token: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, Buffer.alloc(0), 'cronwarden refresh-token successor', 32));
}

/** `successor` encrypted (AES-256-GCM) so that only a holder of `token` can read it: base64url(iv | tag | data). */
export function sealSuccessor(token: string, successor: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(token), iv);
  const data = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
}

/** The successor sealed by {@link sealSuccessor} with this token, or null when it does not open. */
export function unsealSuccessor(token: string, sealed: string): string | null {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length <= 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(token), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
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
 * presented again after the grace window means it was copied: the whole family (the sign-in) is
 * revoked. Within REFRESH_REUSE_GRACE_SECONDS of its rotation (two tabs refreshing at once, a reload
 * that lost the answer) it gets the same successor again, which the rotation sealed under a key only
 * the rotated token opens; the family still has one live token. A family also ends with logout, and
 * with the user's password change or disabling (their token version moves on).
 */
@Injectable()
export class RefreshTokenService {
  constructor(
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly transactions: Transactions,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private get graceSeconds(): number {
    return this.config.get('auth.refreshReuseGraceSeconds', { infer: true });
  }

  /** The row of a token, locked for this transaction (a concurrent rotation of it waits, then sees it rotated). */
  private lockRow(transaction: Transaction, token: string): Promise<RefreshTokenRow | null> {
    return this.refreshTokens.lockByHash(hashApiToken(token), this.graceSeconds, transaction);
  }

  async issue(
    userId: string,
    tokenVersion: number,
    family?: { id: string; expiresAt: Date },
    transaction?: Transaction,
  ): Promise<IssuedRefreshToken> {
    const token = randomBytes(32).toString('base64url');
    const familyId = family?.id ?? randomUUID();
    const expiresAt = family?.expiresAt ?? new Date(Date.now() + REFRESH_SESSION_SECONDS * 1000);
    await this.refreshTokens.insert(
      {
        userId,
        familyId,
        tokenHash: hashApiToken(token),
        tokenVersion,
        expiresAt,
        usedTime: null,
        successorSealed: null,
        revokedTime: null,
      },
      transaction,
    );
    return { token, familyId, expiresAt };
  }

  /**
   * Exchanges a refresh token for a new one of the same family; refuses (and on reuse after the
   * grace window revokes the family) otherwise. Within the window a rotated token answers its
   * successor (following quick rotations up to the family's live token), unrotated.
   */
  async rotate(token: string): Promise<IssuedRefreshToken & { userId: string }> {
    const outcome = await this.transactions.run(
      async (transaction): Promise<{ rejected: TokenRejection } | (IssuedRefreshToken & { userId: string })> => {
        let presented = token;
        let row = await this.lockRow(transaction, presented);
        if (!row) return { rejected: 'unknown token' };
        if (row.revoked) return { rejected: 'revoked' };
        let hops = 0;
        while (row.used) {
          const successor: string | null =
            row.in_grace && row.successor_sealed !== null && hops < MAX_GRACE_HOPS
              ? unsealSuccessor(presented, row.successor_sealed)
              : null;
          const next: RefreshTokenRow | null = successor === null ? null : await this.lockRow(transaction, successor);
          if (successor === null || !next || next.revoked || next.family_id !== row.family_id) {
            await this.revokeFamily(row.family_id, transaction);
            return { rejected: 'revoked' };
          }
          presented = successor;
          row = next;
          hops += 1;
        }
        if (row.expired) return { rejected: 'expired' };
        if (!row.is_active || row.user_version !== row.token_version) {
          await this.revokeFamily(row.family_id, transaction);
          return { rejected: 'revoked' };
        }
        if (hops > 0) {
          return { token: presented, familyId: row.family_id, expiresAt: row.expires_at, userId: row.user_id };
        }
        const next = await this.issue(
          row.user_id,
          row.token_version,
          { id: row.family_id, expiresAt: row.expires_at },
          transaction,
        );
        await this.refreshTokens.markRotated(row.id, sealSuccessor(presented, next.token), transaction);
        return { ...next, userId: row.user_id };
      },
    );
    if ('rejected' in outcome) throw new InvalidTokenException(outcome.rejected);
    return outcome;
  }

  async revokeFamily(familyId: string, transaction?: Transaction): Promise<void> {
    await this.refreshTokens.revokeFamily(familyId, transaction);
  }

  /** Drops the rows of sessions that ended anyway, and the sealed successors of tokens past the grace window. */
  async purgeExpired(): Promise<number> {
    return this.refreshTokens.purgeExpiredAcrossUsers(this.graceSeconds);
  }
}
