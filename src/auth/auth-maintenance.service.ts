import { Injectable, Logger, type OnApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { LoginThrottleService } from './login-throttle.service.js';
import { RefreshTokenService } from './refresh-token.service.js';
import { TokenService } from './token.service.js';

const PURGE_EVERY_MS = 10 * 60 * 1000;

/** Every 10 minutes: forgets revocations of expired tokens and stale failed-login counts. */
@Injectable()
export class AuthMaintenanceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuthMaintenanceService.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottleService,
    private readonly refreshTokens: RefreshTokenService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<void> {
    try {
      const tokens = await this.tokens.purgeExpiredRevocations();
      const counters = await this.throttle.purgeStale();
      const sessions = await this.refreshTokens.purgeExpired();
      if (tokens + counters + sessions > 0)
        this.logger.debug(
          `Purged ${tokens} expired revocations, ${counters} stale login counters, ${sessions} ended refresh tokens`,
        );
    } catch (error) {
      this.logger.warn(`Purging auth state failed: ${(error as Error).message}`);
    }
  }
}
