import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config/app-config.js';
import { RevokedTokensRepository } from '../database/repositories/revoked-tokens.repository.js';
import { JwtSecretService } from '../settings/jwt-secret.service.js';

export const JWT_ALGORITHM = 'HS256';
export const JWT_ISSUER = 'cronwarden';
export const JWT_AUDIENCE = 'cronwarden-api';

/** What an access token carries; everything else about the caller is read from the database per request. */
export interface AccessTokenClaims {
  sub: string;
  /** The user's token version when issued; a password change, disabling or reset bumps it. */
  ver: number;
  jti: string;
  iat: number;
  exp: number;
  /** The browser session (refresh-token family) this token was issued in, when there is one. */
  sid?: string;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  jti: string;
}

/** Issues HS256 access tokens and revokes them (logout) in PostgreSQL, so every instance agrees. */
@Injectable()
export class TokenService {
  private key: KeyObject | undefined;

  constructor(
    private readonly secret: JwtSecretService,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly revoked: RevokedTokensRepository,
  ) {}

  /**
   * The signing key as a KeyObject: with a string secret jsonwebtoken re-parses it as a possible
   * public key on every verify, which costs most of a request's time (DESIGN.md).
   */
  signingKey(): KeyObject {
    this.key ??= createSecretKey(Buffer.from(this.secret.value, 'utf8'));
    return this.key;
  }

  issue(userId: string, tokenVersion: number, sessionId?: string): IssuedToken {
    const expiresIn = this.config.get('auth.jwtExpiresInSeconds', { infer: true });
    const jti = randomUUID();
    const accessToken = jwt.sign({ ver: tokenVersion, ...(sessionId ? { sid: sessionId } : {}) }, this.signingKey(), {
      algorithm: JWT_ALGORITHM,
      expiresIn,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      subject: userId,
      jwtid: jti,
    });
    return { accessToken, expiresIn, jti };
  }

  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.revoked.insert(jti, expiresAt);
  }

  /** Drops revocations of tokens that have expired anyway. */
  async purgeExpiredRevocations(): Promise<number> {
    return this.revoked.purgeExpired();
  }
}
