import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ApiTokenService } from './api-token.service.js';
import { RefreshTokenService } from './refresh-token.service.js';
import { AuthUserLoader } from './auth-user.loader.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordHasher } from './password-hasher.service.js';
import { TokenService } from './token.service.js';

/** Credentials and tokens: what both the auth endpoints and user administration need. */
@Module({
  imports: [PassportModule],
  providers: [
    PasswordHasher,
    TokenService,
    LoginThrottleService,
    AuthUserLoader,
    JwtStrategy,
    ApiTokenService,
    RefreshTokenService,
  ],
  exports: [PasswordHasher, TokenService, LoginThrottleService, ApiTokenService, RefreshTokenService],
})
export class AuthCoreModule {}
