import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { DatabaseUnavailableException, isDatabaseUnavailable } from '../database/database-unavailable.js';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../access/auth-user.js';
import { AuthUserLoader } from './auth-user.loader.js';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, type AccessTokenClaims, TokenService } from './token.service.js';
import { InvalidTokenException } from './auth.errors.js';

function isClaims(payload: unknown): payload is AccessTokenClaims {
  const claims = payload as Partial<AccessTokenClaims> | null;
  return (
    typeof claims?.sub === 'string' &&
    typeof claims.jti === 'string' &&
    typeof claims.ver === 'number' &&
    typeof claims.exp === 'number'
  );
}

/** Bearer tokens: HS256 only (no `none`, no RS/HS confusion), issuer, audience and expiry checked. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokenService,
    private readonly loader: AuthUserLoader,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject (see TokenService.signingKey); jsonwebtoken takes it, passport-jwt's types only know string | Buffer.
      secretOrKeyProvider: (_request, _rawToken, done) => done(null, tokens.signingKey() as unknown as Buffer),
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(payload: unknown): Promise<AuthUser> {
    if (!isClaims(payload)) throw new InvalidTokenException('malformed');
    const user = await this.loader.load(payload).catch((error: unknown) => {
      // Not the token's fault: a 401 would send clients back to the login page.
      throw isDatabaseUnavailable(error) ? new DatabaseUnavailableException() : error;
    });
    // Unknown or disabled user, an older token version (password change), or logged out.
    if (!user) throw new InvalidTokenException('revoked');
    return user;
  }
}
