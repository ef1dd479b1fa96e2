import { UnauthorizedException } from '@nestjs/common';

/** One 401 message for every token problem (missing, malformed, expired, revoked), so they look alike. */
export const INVALID_TOKEN_MESSAGE = 'Missing, invalid, expired or revoked access token';

/** One 401 message for unknown users, wrong passwords and disabled accounts. */
export const INVALID_LOGIN_MESSAGE = 'Invalid username or password';

/**
 * Why a bearer token was refused, for `WWW-Authenticate` only (RFC 6750 `error_description`); the
 * body stays {@link INVALID_TOKEN_MESSAGE} for all. `missing`: no bearer token was sent at all.
 * `not an access token`: an API token where only a sign-in's access token is accepted (event streams).
 */
export type TokenRejection =
  'missing' | 'expired' | 'revoked' | 'malformed' | 'bad signature' | 'unknown token' | 'not an access token';

/** The `WWW-Authenticate` value for a refusal: a bare `Bearer` challenge when no token was sent (RFC 6750 §3.1). */
export function bearerChallenge(reason: TokenRejection): string {
  return reason === 'missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="${reason}"`;
}

/** A 401 with the generic body; the exception filter adds `WWW-Authenticate` with the reason. */
export class InvalidTokenException extends UnauthorizedException {
  constructor(readonly reason: TokenRejection) {
    super(INVALID_TOKEN_MESSAGE);
  }

  challenge(): string {
    return bearerChallenge(this.reason);
  }
}

/** Maps what passport-jwt / jsonwebtoken report on a failed verification to a reason. */
export function rejectionOf(info: unknown): TokenRejection {
  if (!(info instanceof Error)) return 'malformed';
  if (info.name === 'TokenExpiredError') return 'expired';
  if (info.message === 'No auth token') return 'missing';
  if (info.message === 'invalid signature') return 'bad signature';
  return 'malformed';
}
